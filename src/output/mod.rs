//! Output: CSV writers, charts, `trace.json` and the summary table. Exporters return bytes; `folder` puts
//! them on disk, a scenario's folder as one unit, and only under the output folder.

pub mod charts;
pub mod csv;
pub mod folder;
pub mod recommend;
pub mod report;
pub mod table;
pub mod trace;
