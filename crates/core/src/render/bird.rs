//! Renderer: bird (being written).

use super::File;
use crate::plan::Plan;

pub fn files(_plan: &Plan) -> Vec<File> {
    Vec::new()
}
