// Cargo runs this before compiling the crate: `sqlx::migrate!` embeds the SQL files at
// build time, so a new or changed migration must rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
