//! The `air` command: thin — parse arguments, read files, print.
fn main() {
    println!("air {}", env!("CARGO_PKG_VERSION"));
}
