//! Building blocks with hcl-rs, and printing them exactly as `terraform fmt` would.
//!
//! hcl-rs builds the structure and escapes every string (quotes, backslashes, `${`), so no
//! value is ever pasted into HCL text. What it does not do is the one thing `terraform fmt`
//! adds: aligning the `=` of consecutive one-line attributes. [`align_equals`] does that, by
//! the rule of Terraform's formatter (hclwrite): a run of lines that each assign a complete
//! one-line value is padded to its longest key; any other line (a block header, a multi-line
//! value, a closing bracket, a blank line) ends the run.

use hcl::expr::Expression;
use hcl::format::{Format, Formatter};
use hcl::structure::{Block, BlockBuilder, Body};

/// One top-level block of a generated file, with the checkov checks it skips and why.
pub(crate) struct Item {
    block: Block,
    skips: Vec<(&'static str, &'static str)>,
}

impl Item {
    /// A block that every checkov check applies to.
    pub(crate) fn new(block: Block) -> Item {
        Item {
            block,
            skips: Vec::new(),
        }
    }

    /// Skips checkov's `check` on this block, for `reason` (printed in the file).
    pub(crate) fn skip(mut self, check: &'static str, reason: &'static str) -> Item {
        self.skips.push((check, reason));
        self
    }
}

impl From<Block> for Item {
    fn from(block: Block) -> Item {
        Item::new(block)
    }
}

/// `resource "<kind>" "<name>" { ... }`.
pub(crate) fn resource(kind: &str, name: &str) -> BlockBuilder {
    Block::builder("resource").add_label(kind).add_label(name)
}

/// `data "<kind>" "<name>" { ... }`.
pub(crate) fn data(kind: &str, name: &str) -> BlockBuilder {
    Block::builder("data").add_label(kind).add_label(name)
}

/// `variable "name" { description, type }`, to be finished by the caller.
pub(crate) fn variable(name: &str, description: &str, kind: &str) -> BlockBuilder {
    Block::builder("variable")
        .add_label(name)
        .add_attribute(("description", description))
        .add_attribute(("type", expr(kind)))
}

/// `validation { condition, error_message }` of a variable.
pub(crate) fn validation(condition: &str, message: &str) -> Block {
    Block::builder("validation")
        .add_attribute(("condition", expr(condition)))
        .add_attribute(("error_message", message))
        .build()
}

/// A Terraform expression written as text: a reference, a call, a conditional.
///
/// The texts are this crate's constants (with task names, whose charset needs no quoting, and
/// numbers filled in), and every one of them is parsed when the unit tests render a module, so
/// a malformed one fails those tests, not a user's build.
pub(crate) fn expr(text: &str) -> Expression {
    text.parse()
        .unwrap_or_else(|e| panic!("generated expression `{text}` does not parse: {e}"))
}

/// A list of string literals.
pub(crate) fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Expression {
    Expression::Array(items.into_iter().map(Expression::from).collect())
}

/// A whole file: the generated-by line, then each block (with its checkov skips as comments
/// inside it) separated by a blank line.
pub(crate) fn file(items: &[Item]) -> String {
    let mut out = String::from(super::GENERATED_HEADER);
    for item in items {
        out.push('\n');
        let body = Body::builder().add_block(item.block.clone()).build();
        // Lists on one line, as people write them. Formatting a structure built in memory
        // writes to a Vec and cannot fail.
        let mut formatter = Formatter::builder().compact_arrays(true).build_vec();
        let text = body.format_string(&mut formatter).unwrap_or_default();
        let text = align_equals(&space_object_fors(&text));
        let mut lines = text.lines();
        if let Some(header) = lines.next() {
            out.push_str(header);
            out.push('\n');
        }
        for (check, reason) in &item.skips {
            out.push_str(&format!("  #checkov:skip={check}:{reason}\n"));
        }
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `{for k, v in x : k => v}` as `terraform fmt` writes it: `{ for ... }`. (hcl-rs prints
/// an object `for` expression without the inner spaces.)
pub(crate) fn space_object_fors(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // Depths (in braces) at which an opened `{for` will close.
    let mut open_fors: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let len = string_len(&rest[1..]).map_or(rest.len(), |n| n + 1);
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match c {
            '{' => {
                depth += 1;
                out.push('{');
                if rest.starts_with("for ") {
                    out.push(' ');
                    open_fors.push(depth);
                }
            }
            '}' => {
                if open_fors.last() == Some(&depth) {
                    open_fors.pop();
                    out.push(' ');
                }
                depth = depth.saturating_sub(1);
                out.push('}');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Pads the keys of each run of one-line assignments so their `=` line up.
pub(crate) fn align_equals(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let widths: Vec<Option<usize>> = lines.iter().map(|line| assignment_key_end(line)).collect();
    let mut out = String::with_capacity(text.len() + 256);
    let mut start = 0;
    while start < lines.len() {
        let Some(_) = widths[start] else {
            out.push_str(lines[start]);
            out.push('\n');
            start += 1;
            continue;
        };
        let end = (start..lines.len())
            .find(|&i| widths[i].is_none())
            .unwrap_or(lines.len());
        let widest = widths[start..end]
            .iter()
            .flatten()
            .max()
            .copied()
            .unwrap_or(0);
        for i in start..end {
            let key_end = widths[i].unwrap_or(widest);
            let (key, rest) = lines[i].split_at(key_end);
            out.push_str(key);
            out.push_str(&" ".repeat(widest - key_end));
            out.push_str(rest);
            out.push('\n');
        }
        start = end;
    }
    out
}

/// Where the key of `line` ends, if the line is `key = value` with the whole value on it.
fn assignment_key_end(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let key_len = if let Some(quoted) = rest.strip_prefix('"') {
        string_len(quoted)? + 1
    } else {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|&n| n > 0)?
    };
    let value = rest[key_len..].strip_prefix(" = ")?;
    (net_brackets(value)? == 0).then_some(indent + key_len)
}

/// Length of a quoted string's body plus its closing quote; `text` starts after the opening one.
fn string_len(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Opening minus closing brackets outside strings; `None` when a string does not end.
fn net_brackets(text: &str) -> Option<i32> {
    let mut net = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '"' => rest = &rest[string_len(rest)?..],
            '{' | '[' | '(' => net += 1,
            '}' | ']' | ')' => net -= 1,
            _ => {}
        }
    }
    Some(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_of_one_line_assignments_only() {
        let text = "\
resource \"a\" \"b\" {
  name = \"x\"
  longer_name = var.x
  tags = {
    \"a-b\" = 1
    long = \"{ not a bracket\"
  }
  z = true

  inner {
    a = 1
  }
}
";
        let expected = "\
resource \"a\" \"b\" {
  name        = \"x\"
  longer_name = var.x
  tags = {
    \"a-b\" = 1
    long  = \"{ not a bracket\"
  }
  z = true

  inner {
    a = 1
  }
}
";
        assert_eq!(align_equals(text), expected);
    }

    #[test]
    fn object_for_expressions_get_inner_spaces() {
        assert_eq!(
            space_object_fors("  value = {for k, v in x : k => \"{for}\" if v}\n  o = {}\n"),
            "  value = { for k, v in x : k => \"{for}\" if v }\n  o = {}\n"
        );
    }

    #[test]
    fn a_quoted_string_with_escapes_is_one_value() {
        assert_eq!(
            assignment_key_end(r#"  input = "{\"task\":\"a\"}""#),
            Some(7)
        );
        assert_eq!(assignment_key_end("  tags = {"), None);
        assert_eq!(assignment_key_end(r#"resource "a" "b" {"#), None);
    }
}
