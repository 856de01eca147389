pub mod epoch;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;
