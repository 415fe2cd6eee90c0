//! A full disk: `senco build` and `senco pack` fail with a clear error and keep the
//! previous site and pack, byte for byte. Needs a small tmpfs, which only root can mount
//! (Linux only).

use crate::harness::{Input, copy_of, files, senco_process, show};
use crate::{Missing, machine_test};
use libtest_mimic::Trial;
use proptest::prelude::RngCore;
use proptest::test_runner::{RngAlgorithm, TestRng};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tests() -> Vec<Trial> {
    vec![machine_test(
        "full_disk::a_full_disk_fails_clearly_and_keeps_the_previous_site_and_pack",
        a_full_disk_fails_clearly_and_keeps_the_previous_site_and_pack,
    )]
}

/// A small tmpfs mounted for the test, unmounted when dropped (also when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` on `dir`, or says why not (CI runs as root and can).
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, Missing> {
        fs::create_dir_all(dir).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        let failure = match output {
            Ok(output) if output.status.success() => return Ok(Tmpfs(dir.to_path_buf())),
            Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_string(),
            Err(e) => format!("cannot run mount: {e}"),
        };
        Err(Missing(format!(
            "cannot mount a tmpfs ({failure}); run as root to test a full disk"
        )))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Busy: detach it now; the kernel frees it when the last user goes.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

#[track_caller]
fn fails_for_a_full_disk(output: &std::process::Output, disk: &Path) {
    assert_eq!(output.status.code(), Some(2), "{}", show(output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no space left on the disk")
            && stderr.contains(&format!(
                "free some space on the disk holding {}",
                disk.display()
            )),
        "{}",
        show(output)
    );
    assert!(!stderr.contains("os error"), "{stderr}");
}

fn a_full_disk_fails_clearly_and_keeps_the_previous_site_and_pack() -> Result<(), Missing> {
    let (tmp, root) = copy_of("portfolio-template");
    let _ = fs::remove_dir_all(root.join("site"));
    let disk = tmp.path().join("disk");
    // The sample site and its pack fit in 1 MiB; either again with a 1.5 MB attachment
    // does not.
    let _mounted = Tmpfs::mount(&disk, "1m")?;
    let site = disk.join("site");
    let pack = disk.join("pack.zip");
    let build = || {
        senco_process()
            .arg("build")
            .arg(&root)
            .arg("-o")
            .arg(&site)
            .output()
            .unwrap()
    };
    let make_pack = || {
        senco_process()
            .arg("pack")
            .arg(&root)
            .arg("-o")
            .arg(&pack)
            .output()
            .unwrap()
    };
    let output = build();
    assert!(output.status.success(), "{}", show(&output));
    let output = make_pack();
    assert!(output.status.success(), "{}", show(&output));
    let site_before = files(&site);
    let pack_before = fs::read(&pack).unwrap();

    // An attachment that does not compress, linked from the evidence.
    let mut scan = vec![0; 1_500_000];
    TestRng::deterministic_rng(RngAlgorithm::ChaCha).fill_bytes(&mut scan);
    fs::write(root.join("evidence/scan.pdf"), &scan).unwrap();
    let evidence = root.join("evidence/2024-03-12-reflection-on-a-provision-map.md");
    let mut text = fs::read_to_string(&evidence).unwrap();
    text.push_str("\nThe signed plan is [scanned](scan.pdf).\n");
    fs::write(&evidence, text).unwrap();
    let input = Input::of(&root);

    fails_for_a_full_disk(&build(), &disk);
    assert!(files(&site) == site_before, "the previous site changed");
    fails_for_a_full_disk(&make_pack(), &disk);
    assert_eq!(
        fs::read(&pack).unwrap(),
        pack_before,
        "the previous pack changed"
    );
    let output = senco_process().arg("verify").arg(&pack).output().unwrap();
    assert!(output.status.success(), "{}", show(&output));

    // Nothing half-written is left to fill the disk, and the evidence is as it was.
    let mut names: Vec<String> = fs::read_dir(&disk)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["pack.zip", "site"]);
    assert!(Input::of(&root) == input);
    Ok(())
}
