//! CSV tables, labelled datasets, the train/test split and the partitions among parties.
//!
//! The loader is generic ([`Table`]: column names and `f64` cells, as a later `spdz stats`
//! needs); [`Dataset`] adds a label column, the number of classes and an optional bound on the
//! features. Every defect of a file is a [`DataError`] naming the file, the 1-based line and
//! the 1-based column: nothing in a file can make the loader panic.
//!
//! File format: a header line of column names, then one line per row; `,` separates cells;
//! `\n` or `\r\n` ends lines; no quoting. One empty line at the very end is allowed (a final
//! newline); any other empty line is a ragged row.
//!
//! The split used in the tests and benchmarks (the shared data README's rule): 0-based row
//! `i` is TEST iff `i % 5 == 4`; the TRAIN rows, in file order, are cut into contiguous
//! blocks, one per party, the first `n_train % parties` blocks one row longer
//! ([`split_train_test`], [`blocks`]).

use std::ops::Range;
use std::path::Path;

use sha2::{Digest, Sha256};

/// A bad input file: which rule it breaks and where (1-based line and column).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not valid UTF-8.
    #[error("{file}:{line}: not valid UTF-8")]
    NotUtf8 {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// The file has no header line.
    #[error("{file}: empty file (no header line)")]
    NoHeader {
        /// The file.
        file: String,
    },
    /// A header cell is empty or repeats an earlier column name.
    #[error("{file}:1:{column}: column name {name:?} is empty or repeated")]
    BadColumnName {
        /// The file.
        file: String,
        /// 1-based column.
        column: usize,
        /// The name.
        name: String,
    },
    /// The header is fine but no data row follows.
    #[error("{file}: no data rows")]
    NoRows {
        /// The file.
        file: String,
    },
    /// A row has another number of cells than the header.
    #[error("{file}:{line}: {found} cells, the header has {expected}")]
    Ragged {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// Cells in this row.
        found: usize,
        /// Cells in the header.
        expected: usize,
    },
    /// An empty cell.
    #[error("{file}:{line}:{column}: empty cell (column {name})")]
    EmptyCell {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The column's name.
        name: String,
    },
    /// A cell that is not a number.
    #[error("{file}:{line}:{column}: not a number (column {name})")]
    NotNumeric {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The column's name.
        name: String,
    },
    /// NaN or an infinity.
    #[error("{file}:{line}:{column}: NaN or infinite value (column {name})")]
    NotFinite {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The column's name.
        name: String,
    },
    /// The requested label column does not exist.
    #[error("{file}: no column named {name:?}")]
    NoSuchColumn {
        /// The file.
        file: String,
        /// The requested name.
        name: String,
    },
    /// A label that is not one of the classes `0..classes`.
    #[error("{file}:{line}:{column}: label is not one of the classes 0..{classes}")]
    BadLabel {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Number of classes.
        classes: usize,
    },
    /// A feature beyond the declared input bound `|x| ≤ bound`.
    #[error("{file}:{line}:{column}: |value| exceeds the input bound {bound} (column {name})")]
    OutOfBound {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The column's name.
        name: String,
        /// The bound.
        bound: f64,
    },
    /// Files of different parties that must agree do not (columns or row counts).
    #[error("{file}: {what}")]
    Mismatch {
        /// The file that disagrees with the first one.
        file: String,
        /// What disagrees.
        what: String,
    },
    /// A caller mistake (bad parameters, not a file defect).
    #[error("invalid use: {what}")]
    ApiMisuse {
        /// What was wrong.
        what: &'static str,
    },
}

/// A numeric table: column names and rows of finite `f64` cells (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    name: String,
    columns: Vec<String>,
    cells: Vec<f64>,
}

/// Line number (1-based) of 0-based data row `row`: the header is line 1.
fn line_of(row: usize) -> usize {
    row + 2
}

impl Table {
    /// Reads and parses a CSV file (see the module docs for the format).
    ///
    /// # Errors
    /// [`DataError::Io`] and every parse error of [`Table::parse`].
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: file.clone(),
            source,
        })?;
        Self::parse(&file, &bytes)
    }

    /// Parses CSV bytes; `file` names the source in errors.
    ///
    /// # Errors
    /// [`DataError::NotUtf8`], [`DataError::NoHeader`], [`DataError::BadColumnName`],
    /// [`DataError::NoRows`], [`DataError::Ragged`], [`DataError::EmptyCell`],
    /// [`DataError::NotNumeric`], [`DataError::NotFinite`].
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, DataError> {
        let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        // One empty line at the end is the final newline.
        if lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let text = |i: usize, l: &[u8]| -> Result<String, DataError> {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            String::from_utf8(l.to_vec()).map_err(|_| DataError::NotUtf8 {
                file: file.to_string(),
                line: i + 1,
            })
        };
        let header = match lines.first() {
            Some(h) if !h.is_empty() => text(0, h)?,
            _ => {
                return Err(DataError::NoHeader {
                    file: file.to_string(),
                });
            }
        };
        let columns: Vec<String> = header.split(',').map(|c| c.trim().to_string()).collect();
        for (j, name) in columns.iter().enumerate() {
            if name.is_empty() || columns[..j].contains(name) {
                return Err(DataError::BadColumnName {
                    file: file.to_string(),
                    column: j + 1,
                    name: name.clone(),
                });
            }
        }
        let width = columns.len();
        if lines.len() < 2 {
            return Err(DataError::NoRows {
                file: file.to_string(),
            });
        }
        let mut cells = Vec::with_capacity((lines.len() - 1) * width);
        for (i, raw) in lines.iter().enumerate().skip(1) {
            let line = text(i, raw)?;
            let parts: Vec<&str> = line.split(',').collect();
            if parts.len() != width {
                return Err(DataError::Ragged {
                    file: file.to_string(),
                    line: i + 1,
                    found: parts.len(),
                    expected: width,
                });
            }
            for (j, cell) in parts.iter().enumerate() {
                let cell = cell.trim();
                let at = |_: ()| (file.to_string(), i + 1, j + 1, columns[j].clone());
                if cell.is_empty() {
                    let (file, line, column, name) = at(());
                    return Err(DataError::EmptyCell {
                        file,
                        line,
                        column,
                        name,
                    });
                }
                let v: f64 = cell.parse().map_err(|_| {
                    let (file, line, column, name) = at(());
                    DataError::NotNumeric {
                        file,
                        line,
                        column,
                        name,
                    }
                })?;
                if !v.is_finite() {
                    let (file, line, column, name) = at(());
                    return Err(DataError::NotFinite {
                        file,
                        line,
                        column,
                        name,
                    });
                }
                cells.push(v);
            }
        }
        Ok(Self {
            name: file.to_string(),
            columns,
            cells,
        })
    }

    /// The file this table came from.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Column names, in file order.
    #[must_use]
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Number of data rows (at least 1).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.cells.len() / self.columns.len().max(1)
    }

    /// Row `i` (0-based; empty if out of range).
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.columns.len();
        self.cells.get(i * w..(i + 1) * w).unwrap_or(&[])
    }

    /// The 0-based index of the column called `name`.
    #[must_use]
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Column `j` (0-based) as a vector.
    #[must_use]
    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.rows())
            .filter_map(|i| self.row(i).get(j).copied())
            .collect()
    }

    /// SHA-256 of the column names (see [`header_digest`]).
    #[must_use]
    pub fn header_digest(&self) -> [u8; 32] {
        header_digest(&self.columns)
    }
}

/// SHA-256 over the column names, each as its length (u64, little-endian) and its UTF-8
/// bytes, after a domain tag: parties compare it before any preprocessing so that files
/// with different columns (or column order) are refused early.
#[must_use]
pub fn header_digest(columns: &[String]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-model header v1");
    h.update((columns.len() as u64).to_le_bytes());
    for c in columns {
        h.update((c.len() as u64).to_le_bytes());
        h.update(c.as_bytes());
    }
    h.finalize().into()
}

/// How to read a labelled dataset from a [`Table`].
#[derive(Clone, Debug, PartialEq)]
pub struct LabelSpec {
    /// Name of the label column (`None`: the last column).
    pub label: Option<String>,
    /// Labels must be integers in `0..classes`.
    pub classes: usize,
    /// If set, every feature must satisfy `|x| ≤ bound` (the declared input range).
    pub bound: Option<f64>,
}

impl Default for LabelSpec {
    fn default() -> Self {
        Self {
            label: None,
            classes: 2,
            bound: None,
        }
    }
}

/// A labelled dataset: features (row-major, `rows × features`) and class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    features: Vec<String>,
    x: Vec<f64>,
    y: Vec<usize>,
    classes: usize,
}

impl Dataset {
    /// Splits `table` into features and the label column chosen by `spec`.
    ///
    /// # Errors
    /// [`DataError::NoSuchColumn`], [`DataError::BadLabel`], [`DataError::OutOfBound`],
    /// [`DataError::ApiMisuse`] for fewer than 2 classes or a table with only a label.
    pub fn from_table(table: &Table, spec: &LabelSpec) -> Result<Self, DataError> {
        if spec.classes < 2 {
            return Err(DataError::ApiMisuse {
                what: "at least 2 classes",
            });
        }
        let width = table.columns().len();
        let label = match &spec.label {
            Some(name) => table
                .column_index(name)
                .ok_or_else(|| DataError::NoSuchColumn {
                    file: table.name().to_string(),
                    name: name.clone(),
                })?,
            None => width.saturating_sub(1),
        };
        if width < 2 {
            return Err(DataError::ApiMisuse {
                what: "a dataset needs at least one feature column besides the label",
            });
        }
        let features: Vec<String> = (0..width)
            .filter(|&j| j != label)
            .map(|j| table.columns()[j].clone())
            .collect();
        let mut x = Vec::with_capacity(table.rows() * (width - 1));
        let mut y = Vec::with_capacity(table.rows());
        for i in 0..table.rows() {
            let row = table.row(i);
            for (j, &v) in row.iter().enumerate() {
                if j == label {
                    continue;
                }
                if let Some(bound) = spec.bound
                    && v.abs() > bound
                {
                    return Err(DataError::OutOfBound {
                        file: table.name().to_string(),
                        line: line_of(i),
                        column: j + 1,
                        name: table.columns()[j].clone(),
                        bound,
                    });
                }
                x.push(v);
            }
            let l = row.get(label).copied().unwrap_or(f64::NAN);
            #[allow(clippy::cast_precision_loss)] // classes is small
            let ok = l.fract() == 0.0 && l >= 0.0 && l < spec.classes as f64;
            if !ok {
                return Err(DataError::BadLabel {
                    file: table.name().to_string(),
                    line: line_of(i),
                    column: label + 1,
                    classes: spec.classes,
                });
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
            y.push(l as usize);
        }
        Ok(Self {
            features,
            x,
            y,
            classes: spec.classes,
        })
    }

    /// Loads `path` and splits it by `spec`.
    ///
    /// # Errors
    /// As [`Table::load`] and [`Dataset::from_table`].
    pub fn load(path: &Path, spec: &LabelSpec) -> Result<Self, DataError> {
        Self::from_table(&Table::load(path)?, spec)
    }

    /// A dataset from parts (`x` row-major, `y.len()` rows).
    ///
    /// # Errors
    /// [`DataError::ApiMisuse`] if the sizes do not fit or a label is not a class.
    pub fn from_parts(
        features: Vec<String>,
        x: Vec<f64>,
        y: Vec<usize>,
        classes: usize,
    ) -> Result<Self, DataError> {
        if x.len() != y.len() * features.len() || y.iter().any(|&l| l >= classes) {
            return Err(DataError::ApiMisuse {
                what: "dataset parts do not fit",
            });
        }
        Ok(Self {
            features,
            x,
            y,
            classes,
        })
    }

    /// Feature names.
    #[must_use]
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Number of features.
    #[must_use]
    pub fn width(&self) -> usize {
        self.features.len()
    }

    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// Number of classes.
    #[must_use]
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Features, row-major.
    #[must_use]
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Labels.
    #[must_use]
    pub fn y(&self) -> &[usize] {
        &self.y
    }

    /// Features of row `i`.
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.width();
        self.x.get(i * w..(i + 1) * w).unwrap_or(&[])
    }

    /// The rows with the given indices (in that order).
    #[must_use]
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        let rows: Vec<usize> = rows.iter().copied().filter(|&i| i < self.rows()).collect();
        Self {
            features: self.features.clone(),
            x: rows.iter().flat_map(|&i| self.row(i).to_vec()).collect(),
            y: rows.iter().map(|&i| self.y[i]).collect(),
            classes: self.classes,
        }
    }

    /// The feature columns with the given 0-based indices (labels kept).
    #[must_use]
    pub fn select_features(&self, cols: &[usize]) -> Self {
        let cols: Vec<usize> = cols.iter().copied().filter(|&j| j < self.width()).collect();
        Self {
            features: cols.iter().map(|&j| self.features[j].clone()).collect(),
            x: (0..self.rows())
                .flat_map(|i| cols.iter().map(move |&j| (i, j)))
                .map(|(i, j)| self.x[i * self.width() + j])
                .collect(),
            y: self.y.clone(),
            classes: self.classes,
        }
    }

    /// Rows `range` of this dataset.
    #[must_use]
    pub fn slice_rows(&self, range: Range<usize>) -> Self {
        let idx: Vec<usize> = range.collect();
        self.select_rows(&idx)
    }

    /// The rows of all `parts` in order (the parts must have the same features).
    ///
    /// # Errors
    /// [`DataError::ApiMisuse`] if the parts differ in features or classes, or there are none.
    pub fn concat_rows(parts: &[Self]) -> Result<Self, DataError> {
        let first = parts.first().ok_or(DataError::ApiMisuse {
            what: "no parts to concatenate",
        })?;
        if parts
            .iter()
            .any(|p| p.features != first.features || p.classes != first.classes)
        {
            return Err(DataError::ApiMisuse {
                what: "parts with different features",
            });
        }
        Ok(Self {
            features: first.features.clone(),
            x: parts.iter().flat_map(|p| p.x.iter().copied()).collect(),
            y: parts.iter().flat_map(|p| p.y.iter().copied()).collect(),
            classes: first.classes,
        })
    }
}

/// The split rule: 0-based row `i` is TEST iff `i % 5 == 4`. Returns (train, test) indices.
#[must_use]
pub fn split_train_test(rows: usize) -> (Vec<usize>, Vec<usize>) {
    (0..rows).partition(|i| i % 5 != 4)
}

/// `n` items cut into `parts` contiguous blocks, the first `n % parts` one longer
/// (`numpy.array_split`). Empty if `parts == 0`.
#[must_use]
pub fn blocks(n: usize, parts: usize) -> Vec<Range<usize>> {
    if parts == 0 {
        return Vec::new();
    }
    let (base, extra) = (n / parts, n % parts);
    let mut start = 0;
    (0..parts)
        .map(|p| {
            let len = base + usize::from(p < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// A dataset split by the rule: the train part cut among `parties` by rows, and the test part.
#[derive(Clone, Debug)]
pub struct Split {
    /// Party `p`'s train rows (contiguous block `p` of the train rows, file order).
    pub parties: Vec<Dataset>,
    /// The test rows.
    pub test: Dataset,
}

/// Applies the split rule and the rows partition to `data`.
///
/// # Errors
/// [`DataError::ApiMisuse`] for `parties == 0`.
pub fn split_rows(data: &Dataset, parties: usize) -> Result<Split, DataError> {
    if parties == 0 {
        return Err(DataError::ApiMisuse {
            what: "at least one party",
        });
    }
    let (train, test) = split_train_test(data.rows());
    let train = data.select_rows(&train);
    Ok(Split {
        parties: blocks(train.rows(), parties)
            .into_iter()
            .map(|r| train.slice_rows(r))
            .collect(),
        test: data.select_rows(&test),
    })
}

/// The columns partition: features cut into `parties` contiguous blocks by the same rule
/// (0-based feature indices per party). The label is held by one party (the caller's choice).
#[must_use]
pub fn column_blocks(features: usize, parties: usize) -> Vec<Vec<usize>> {
    blocks(features, parties)
        .into_iter()
        .map(Iterator::collect)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Table, DataError> {
        Table::parse("t.csv", s.as_bytes())
    }

    fn ds(s: &str, spec: &LabelSpec) -> Result<Dataset, DataError> {
        Dataset::from_table(&parse(s)?, spec)
    }

    #[test]
    fn parses_a_good_file() {
        let t = parse("a,b,label\n1,2.5,0\r\n-3,4e2,1\n").unwrap();
        assert_eq!(t.columns(), ["a", "b", "label"]);
        assert_eq!(t.rows(), 2);
        assert_eq!(t.row(1), [-3.0, 400.0, 1.0]);
        assert_eq!(t.column(0), vec![1.0, -3.0]);
        let d = Dataset::from_table(&t, &LabelSpec::default()).unwrap();
        assert_eq!((d.width(), d.rows(), d.y()), (2, 2, &[0, 1][..]));
        // Label chosen by name.
        let spec = LabelSpec {
            label: Some("a".into()),
            classes: 2,
            bound: None,
        };
        assert!(matches!(
            Dataset::from_table(&t, &spec),
            Err(DataError::BadLabel {
                line: 3,
                column: 1,
                ..
            })
        ));
    }

    #[test]
    fn every_error_names_line_and_column() {
        let e = parse("a,b\n1,\n");
        assert!(
            matches!(e, Err(DataError::EmptyCell { line: 2, column: 2, ref name, .. }) if name == "b")
        );
        let e = parse("a,b\n1,2\n3,x\n");
        assert!(matches!(
            e,
            Err(DataError::NotNumeric {
                line: 3,
                column: 2,
                ..
            })
        ));
        for bad in ["NaN", "inf", "-inf", "infinity"] {
            let e = parse(&format!("a,b\n{bad},2\n"));
            assert!(
                matches!(
                    e,
                    Err(DataError::NotFinite {
                        line: 2,
                        column: 1,
                        ..
                    })
                ),
                "{bad}: {e:?}"
            );
        }
        let e = parse("a,b\n1,2\n1,2,3\n");
        assert!(matches!(
            e,
            Err(DataError::Ragged {
                line: 3,
                found: 3,
                expected: 2,
                ..
            })
        ));
        let e = parse("a,b\n1,2\n\n3,4\n");
        assert!(matches!(
            e,
            Err(DataError::Ragged {
                line: 3,
                found: 1,
                ..
            })
        ));
        assert!(matches!(parse("a,b\n"), Err(DataError::NoRows { .. })));
        assert!(matches!(parse("a,b"), Err(DataError::NoRows { .. })));
        assert!(matches!(parse(""), Err(DataError::NoHeader { .. })));
        assert!(matches!(
            parse("a,a\n1,2\n"),
            Err(DataError::BadColumnName { column: 2, .. })
        ));
        assert!(matches!(
            Table::parse("t.csv", b"a,b\n1,\xff\n"),
            Err(DataError::NotUtf8 { line: 2, .. })
        ));
        let e = ds("a,label\n1,0\n2,2\n", &LabelSpec::default());
        assert!(matches!(
            e,
            Err(DataError::BadLabel {
                line: 3,
                column: 2,
                classes: 2,
                ..
            })
        ));
        let e = ds("a,label\n1,0.5\n", &LabelSpec::default());
        assert!(matches!(e, Err(DataError::BadLabel { line: 2, .. })));
        let spec = LabelSpec {
            bound: Some(10.0),
            ..LabelSpec::default()
        };
        let e = ds("a,b,label\n1,2,0\n3,-11,1\n", &spec);
        assert!(matches!(
            e,
            Err(DataError::OutOfBound {
                line: 3,
                column: 2,
                ..
            })
        ));
        let spec = LabelSpec {
            label: Some("nope".into()),
            ..LabelSpec::default()
        };
        assert!(matches!(
            ds("a,label\n1,0\n", &spec),
            Err(DataError::NoSuchColumn { .. })
        ));
        // The message names the file, line and column.
        let msg = parse("a,b\n1,x\n").unwrap_err().to_string();
        assert!(msg.starts_with("t.csv:2:2:"), "{msg}");
    }

    #[test]
    fn header_digest_depends_on_names_and_order() {
        let a = parse("a,b\n1,2\n").unwrap().header_digest();
        let b = parse("b,a\n1,2\n").unwrap().header_digest();
        let c = parse("a,b\n5,6\n").unwrap().header_digest();
        let d = header_digest(&["ab".into()]);
        assert_ne!(a, b);
        assert_eq!(a, c);
        assert_ne!(header_digest(&["a".into(), "b".into()]), d);
    }

    #[test]
    fn split_rule_counts() {
        let (train, test) = split_train_test(569);
        assert_eq!((train.len(), test.len()), (456, 113));
        assert!(test.iter().all(|i| i % 5 == 4));
        let b = blocks(456, 3);
        assert_eq!(b, vec![0..152, 152..304, 304..456]);
        let b = blocks(1438, 3);
        assert_eq!(
            b.iter().map(ExactSizeIterator::len).collect::<Vec<_>>(),
            vec![480, 479, 479]
        );
        assert_eq!(blocks(456, 2), vec![0..228, 228..456]);
        assert_eq!(blocks(5, 3), vec![0..2, 2..4, 4..5]);
        assert_eq!(column_blocks(30, 3)[2], (20..30).collect::<Vec<_>>());
        let (train, test) = split_train_test(1797);
        assert_eq!((train.len(), test.len()), (1438, 359));
    }

    #[test]
    fn bundled_breast_cancer_splits_as_documented() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/breast_cancer.csv");
        let d = Dataset::load(&path, &LabelSpec::default()).unwrap();
        assert_eq!((d.rows(), d.width()), (569, 30));
        let s = split_rows(&d, 3).unwrap();
        let sizes: Vec<usize> = s.parties.iter().map(Dataset::rows).collect();
        assert_eq!(sizes, vec![152, 152, 152]);
        assert_eq!(s.test.rows(), 113);
        assert_eq!(s.test.y().iter().filter(|&&l| l == 0).count(), 42);
        // Block 1 starts at train row 152 = file row 152 + 152/4 = 190.
        assert_eq!(s.parties[1].row(0), d.row(190));
    }
}
