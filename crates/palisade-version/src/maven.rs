//! Maven versions ordered as `org.apache.maven.artifact.versioning.ComparableVersion` (Maven
//! 3.8/3.9): the version is split into a tree of lists at `-` and at digit/letter transitions,
//! numbers compare by value, known qualifiers by rank and unknown ones alphabetically after them.

use std::cmp::Ordering;

use crate::{cmp_digits, Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits without leading zeros ("0" for zero).
    Int(String),
    /// A qualifier after alias mapping (`ga`, `final`, `release` -> "", `cr` -> `rc`).
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// The rank of the empty qualifier, that is a release.
const RELEASE_RANK: &str = "5";

/// `comparableQualifier`: known qualifiers by rank, unknown ones after all of them.
fn qualifier_rank(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{}", QUALIFIERS.len(), q),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match (followed_by_digit, value) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, v) => v,
    };
    Item::Str(value.to_string())
}

fn int_item(digits: &str) -> Item {
    let t = digits.trim_start_matches('0');
    Item::Int(if t.is_empty() { "0" } else { t }.to_string())
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n == "0",
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo`, where `None` stands for a missing item (Java's `null`).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(n), None) => {
                if n == "0" {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => cmp_digits(a, b),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(s), None) => qualifier_rank(s).as_str().cmp(RELEASE_RANK),
            (Item::Str(_), Some(Item::Int(_) | Item::List(_))) => Ordering::Less,
            (Item::Str(a), Some(Item::Str(b))) => qualifier_rank(a).cmp(&qualifier_rank(b)),
            (Item::List(l), None) => l
                .iter()
                .map(|i| i.compare(None))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => {
                for k in 0..a.len().max(b.len()) {
                    let ord = match (a.get(k), b.get(k)) {
                        (Some(l), r) => l.compare(r),
                        (None, Some(r)) => r.compare(None).reverse(),
                        (None, None) => Ordering::Equal,
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

/// `ListItem.normalize`: walking back from the end, drop null items (0, "", empty lists), step
/// over non-null lists, and stop at the first other item.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    items: Vec<Item>,
}

impl Version {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::new(
                Scheme::Maven,
                s,
                "version string is empty",
            ));
        }
        let v = s.to_lowercase();
        // The open lists, outermost first; items always go to the innermost one, and a list is
        // attached to its parent when closed (the parent takes no items after opening it).
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0;
        let chars: Vec<(usize, char)> = v.char_indices().collect();
        let parse_item = |digit: bool, buf: &str| {
            if digit {
                int_item(buf)
            } else {
                string_item(buf, false)
            }
        };
        for &(i, c) in &chars {
            let current = stack.len() - 1;
            if c == '.' || c == '-' {
                let item = if i == start {
                    Item::Int("0".into())
                } else {
                    parse_item(is_digit, &v[start..i])
                };
                stack[current].push(item);
                start = i + c.len_utf8();
                if c == '-' {
                    stack.push(Vec::new());
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // Maven 3.8 treats ".X1" as "-X1": a qualifier after other items opens a list.
                    if !stack[current].is_empty() {
                        stack.push(Vec::new());
                    }
                    let current = stack.len() - 1;
                    stack[current].push(string_item(&v[start..i], true));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    stack[current].push(int_item(&v[start..i]));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
        if v.len() > start {
            // As above, a trailing ".X" reads as "-X".
            if !is_digit && !stack[stack.len() - 1].is_empty() {
                stack.push(Vec::new());
            }
            let current = stack.len() - 1;
            stack[current].push(parse_item(is_digit, &v[start..]));
        }
        // Close the lists innermost first; each was added to its parent when it was opened.
        while stack.len() > 1 {
            let mut list = stack.pop().unwrap_or_default();
            normalize(&mut list);
            let parent = stack.len() - 1;
            stack[parent].push(Item::List(list));
        }
        let mut items = stack.pop().unwrap_or_default();
        normalize(&mut items);
        Ok(Version { items })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        Item::List(self.items.clone()).compare(Some(&Item::List(other.items.clone())))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    #[test]
    fn follows_comparable_version() {
        let chain = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        for (a, b) in [
            ("1", "1.0.0"),
            ("1.0", "1-ga"),
            ("1-final", "1.release"),
            ("1a1", "1-alpha-1"),
            ("1cr", "1rc"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} == {b}");
        }
    }
}
