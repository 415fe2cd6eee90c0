#![no_main]

#[path = "../../tests/it/oracles.rs"]
mod oracles;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    oracles::render(data);
});
