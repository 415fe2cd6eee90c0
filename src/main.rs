//! The `senco` command line: a thin face over the `senco` library.

mod cli;

// Allocation was a tenth of a cold check, spread over hundreds of call sites; mimalloc
// takes most of that off. Built without transparent huge pages, which made the kernel
// clear 2 MB pages for small heaps and tripled a cohort's peak memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
