//! `sqlx::migrate!` embeds the migration folders when the crate compiles but does not ask
//! cargo to watch them: without this, a new migration file is missed until something else in
//! the crate changes.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
