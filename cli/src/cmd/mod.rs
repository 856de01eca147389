pub mod run;
pub mod validate;
