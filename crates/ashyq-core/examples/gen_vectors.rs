//! Writes tests/vectors/venue_codes.json, pass_tokens.json and start_params.json.
//! Run: cargo run -p ashyq-core --example gen_vectors
#[path = "../tests/support/vectors_gen.rs"]
mod vectors_gen;

fn main() -> std::io::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        format!("{dir}/venue_codes.json"),
        vectors_gen::render(&vectors_gen::venue_vectors()),
    )?;
    std::fs::write(
        format!("{dir}/pass_tokens.json"),
        vectors_gen::render(&vectors_gen::pass_vectors()),
    )?;
    std::fs::write(
        format!("{dir}/start_params.json"),
        vectors_gen::render(&vectors_gen::start_param_vectors()),
    )?;
    println!("wrote {dir}/venue_codes.json, pass_tokens.json and start_params.json");
    Ok(())
}
