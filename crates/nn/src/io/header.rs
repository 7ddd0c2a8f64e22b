//! The JSON header of a safetensors file, parsed strictly.
//!
//! The `safetensors` crate reads the header into a `HashMap`, so a name that appears twice
//! silently keeps its last entry, and it collects each shape in full before looking at it.
//! This parser walks the JSON once with serde's visitors: a repeated name or field is an error,
//! a shape longer than [`MAX_RANK`] is refused while it is read, and every number is read as
//! the JSON gives it (`u64`) and converted by the validator, so nothing wraps.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tensor::FileErrorKind;

/// The largest rank a header may give a tensor (NumPy's limit, `NPY_MAXDIMS`).
pub const MAX_RANK: usize = 64;

/// One tensor's entry, as written.
#[derive(Debug)]
pub(crate) struct RawEntry {
    pub dtype: String,
    pub shape: Vec<u64>,
    pub offsets: [u64; 2],
}

/// The header: the entries by name (sorted; a `BTreeMap` so each entry is its own small
/// allocation) and the `__metadata__` strings.
#[derive(Debug, Default)]
pub(crate) struct RawHeader {
    pub entries: BTreeMap<String, RawEntry>,
    pub metadata: BTreeMap<String, String>,
}

/// A failed check, before it is given the file's name.
#[derive(Debug)]
pub(crate) struct Fault {
    pub kind: FileErrorKind,
    pub tensor: Option<String>,
    pub reason: String,
}

impl Fault {
    pub(crate) fn new(kind: FileErrorKind, tensor: Option<&str>, reason: String) -> Fault {
        Fault {
            kind,
            tensor: tensor.map(str::to_string),
            reason,
        }
    }
}

/// Parses the header text.
pub(crate) fn parse(text: &str) -> Result<RawHeader, Fault> {
    let mut ctx = Ctx::default();
    let mut json = serde_json::Deserializer::from_str(text);
    let parsed = HeaderSeed { ctx: &mut ctx }
        .deserialize(&mut json)
        .and_then(|h| json.end().map(|()| h));
    parsed.map_err(|e| {
        ctx.fault.take().unwrap_or_else(|| {
            let what = match &ctx.current {
                Some(name) => format!("in the entry of '{name}': {e}"),
                None => e.to_string(),
            };
            Fault {
                kind: FileErrorKind::HeaderNotJson,
                tensor: ctx.current.take(),
                reason: what,
            }
        })
    })
}

/// What the visitors learn that serde's string errors cannot carry.
#[derive(Default)]
struct Ctx {
    /// The structured fault behind a custom error, if a check of ours raised it.
    fault: Option<Fault>,
    /// The entry being read, to name it in serde's own errors.
    current: Option<String>,
}

impl Ctx {
    fn fail<E: de::Error>(&mut self, kind: FileErrorKind, reason: String) -> E {
        let e = E::custom(&reason);
        self.fault = Some(Fault {
            kind,
            tensor: self.current.clone(),
            reason,
        });
        e
    }
}

struct HeaderSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = RawHeader;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawHeader, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_> {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of tensor entries")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
        let mut header = RawHeader::default();
        let mut seen_metadata = false;
        while let Some(name) = map.next_key::<String>()? {
            self.ctx.current = Some(name.clone());
            if name == "__metadata__" {
                if seen_metadata {
                    return Err(self.ctx.fail(
                        FileErrorKind::DuplicateName,
                        "'__metadata__' appears twice".into(),
                    ));
                }
                seen_metadata = true;
                header.metadata = map.next_value_seed(MetadataSeed {
                    ctx: &mut *self.ctx,
                })?;
            } else {
                if header.entries.contains_key(&name) {
                    return Err(self.ctx.fail(
                        FileErrorKind::DuplicateName,
                        format!("the name '{name}' appears twice in the header"),
                    ));
                }
                let entry = map.next_value_seed(EntrySeed {
                    ctx: &mut *self.ctx,
                })?;
                header.entries.insert(name, entry);
            }
            self.ctx.current = None;
        }
        Ok(header)
    }
}

struct MetadataSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    type Value = BTreeMap<String, String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'__metadata__' as an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, String>()? {
            if out.contains_key(&k) {
                return Err(self.ctx.fail(
                    FileErrorKind::DuplicateName,
                    format!("the metadata key '{k}' appears twice"),
                ));
            }
            out.insert(k, v);
        }
        Ok(out)
    }
}

struct EntrySeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    type Value = RawEntry;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawEntry, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = RawEntry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with 'dtype', 'shape' and 'data_offsets'")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
        let (mut dtype, mut shape, mut offsets) = (None, None, None);
        while let Some(field) = map.next_key::<String>()? {
            let repeated = match field.as_str() {
                "dtype" => dtype.replace(map.next_value::<String>()?).is_some(),
                "shape" => shape
                    .replace(map.next_value_seed(ShapeSeed {
                        ctx: &mut *self.ctx,
                    })?)
                    .is_some(),
                "data_offsets" => offsets.replace(map.next_value::<[u64; 2]>()?).is_some(),
                // Unknown fields are ignored, as the safetensors crate ignores them.
                _ => map.next_value::<IgnoredAny>().map(|_| false)?,
            };
            if repeated {
                return Err(self.ctx.fail(
                    FileErrorKind::HeaderNotJson,
                    format!("the field '{field}' appears twice"),
                ));
            }
        }
        match (dtype, shape, offsets) {
            (Some(dtype), Some(shape), Some(offsets)) => Ok(RawEntry {
                dtype,
                shape,
                offsets,
            }),
            (d, s, _) => {
                let missing = if d.is_none() {
                    "dtype"
                } else if s.is_none() {
                    "shape"
                } else {
                    "data_offsets"
                };
                Err(self.ctx.fail(
                    FileErrorKind::HeaderNotJson,
                    format!("the entry has no '{missing}'"),
                ))
            }
        }
    }
}

/// A shape: a JSON array of at most [`MAX_RANK`] non-negative integers.
struct ShapeSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for ShapeSeed<'_> {
    type Value = Vec<u64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<u64>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ShapeSeed<'_> {
    type Value = Vec<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a shape: an array of non-negative integers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u64>, A::Error> {
        let mut dims = Vec::new();
        while let Some(d) = seq.next_element::<u64>()? {
            if dims.len() == MAX_RANK {
                return Err(self.ctx.fail(
                    FileErrorKind::HeaderNotJson,
                    format!("the shape has more than {MAX_RANK} dimensions"),
                ));
            }
            dims.push(d);
        }
        Ok(dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_and_metadata() {
        let h = parse(
            r#"{"__metadata__":{"a":"b"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24],"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(h.metadata["a"], "b");
        let w = &h.entries["w"];
        assert_eq!(
            (w.dtype.as_str(), &w.shape[..], w.offsets),
            ("F32", &[2, 3][..], [0, 24])
        );
    }

    #[test]
    fn names_the_entry_in_serdes_own_errors() {
        let f = parse(r#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#).unwrap_err();
        assert_eq!(f.kind, FileErrorKind::HeaderNotJson);
        assert_eq!(f.tensor.as_deref(), Some("w"));
        let f = parse(r#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,0]}} x"#).unwrap_err();
        assert_eq!((f.kind, f.tensor), (FileErrorKind::HeaderNotJson, None));
    }

    #[test]
    fn refuses_repeated_names_and_fields() {
        let e = r#"{"dtype":"F32","shape":[],"data_offsets":[0,4]}"#;
        let f = parse(&format!(r#"{{"w":{e},"w":{e}}}"#)).unwrap_err();
        assert_eq!(
            (f.kind, f.tensor.as_deref()),
            (FileErrorKind::DuplicateName, Some("w"))
        );
        let f = parse(r#"{"w":{"dtype":"F32","dtype":"F64","shape":[],"data_offsets":[0,4]}}"#)
            .unwrap_err();
        assert_eq!(f.kind, FileErrorKind::HeaderNotJson);
        assert!(f.reason.contains("'dtype' appears twice"), "{}", f.reason);
    }
}
