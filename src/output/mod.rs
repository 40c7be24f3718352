//! Output: CSV writers and charts. Exporters return bytes; `write` puts them on disk
//! atomically, under the output folder only.

pub mod charts;
