//! The plan as people and programs read it: the text report (`text`), the JSON
//! document (`json`) and the grouped route rows both the text and the runbook
//! show (`rows`). Writers only: they read the `Plan` and its route tables
//! (`plan::reach`), and compute nothing of the network.

mod json;
mod rows;
mod text;

pub use json::ROUTE_FORMAT;
pub use rows::{rows, sample, RouteRow, RowHop, RowVia};
pub use text::MISSING_SHOWN;
