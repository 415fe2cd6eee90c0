//! The `senco` command line: a thin face over the `senco` library.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
