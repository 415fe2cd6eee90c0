//! senco's integration tests: one test crate, a module per area (see `tests/README.md`).
//! Every module runs the `senco` binary or calls the library through [`harness`]; the
//! tests that depend on what is installed on the machine are in `tests/machine/`.

mod harness;
mod oracles;

mod answers;
mod assessor_view;
mod build;
mod cache;
mod check;
mod cli_habits;
mod cohort;
mod coverage_prop;
mod docs;
mod framework_data;
mod history;
mod hostile;
mod incremental;
mod interchange;
mod interrupt;
mod module_graph;
mod obsidian;
mod pack;
mod pdf;
mod privacy;
mod reflection;
mod review;
mod robustness;
mod scaffold;
mod serve;
mod serve_load;
mod words;
