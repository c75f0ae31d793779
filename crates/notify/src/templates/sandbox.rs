//! What an organization's template may do, chosen so that rendering one is bounded in memory
//! and time by construction.
//!
//! Fuel bounds the number of instructions, not the size of the values they make: the bomb
//! `{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}`
//! doubles a string 40 times within its fuel. minijinja offers no hook on its operators, and
//! even the memory-charging fuel of minijinja 3 lets shared-structure values through
//! (`{% set b = [a, a] %}` forty times, then printing or `|join`ing the result, hangs and
//! grows without bound). A memory-accounting allocator cannot stop a render either: an
//! allocator may not unwind and a refused allocation aborts the whole process. So instead of
//! chasing every operator, organization templates are written in a subset of the language in
//! which no value can be kept and grown:
//!
//! - statements: text, `{{ … }}`, `{% if %}` and `{% for %}` (not `recursive`, at most
//!   [`MAX_LOOP_DEPTH`] deep). No `set`, `with`, macros, `call`, `filter` blocks, `include`,
//!   `import`, `extends`, `block`, `autoescape` or `do`: a value lives only while the
//!   expression that computes it is evaluated.
//! - expressions: placeholders, literals, attribute and item access, slices, comparisons,
//!   `and`/`or`/`not`, `~`, `+`, `-`, `/`, `//`, `%`, `**`, `if … else`, the filters of
//!   [`FILTERS`] and the tests of [`TESTS`], and lists of literals (`in ["a", "b"]`). No
//!   function or method calls (`range`, `namespace`, `dict`, `debug`, `loop.cycle`, macros),
//!   no `*` (string and list repetition), no dicts, no lists built from other values. An
//!   expression has at most [`MAX_EXPRESSION_NODES`] parts.
//!
//! Then every value is a sum of at most [`MAX_EXPRESSION_NODES`] pieces, each a literal from
//! the source, a message field (cut to [`MAX_FIELD_BYTES`]) or a filter's result (refused over
//! [`MAX_VALUE_BYTES`], and `join`/`replace` stop before they get there), so no intermediate
//! value exceeds a few megabytes, and at most [`MAX_LOOP_DEPTH`] of them are alive at once (the
//! loops' sequences). The output is written through a writer that refuses to grow past
//! [`MAX_OUTPUT_BYTES`], and fuel bounds the time. The check reads the tree minijinja's own
//! parser builds, so what is checked is what would run.
//!
//! `|safe` and `{% autoescape false %}` are not in the subset either, so what an invitee typed
//! stays escaped in HTML bodies.

use std::borrow::Cow;
use std::io;

use minijinja::machinery::{self, WhitespaceConfig, ast};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Rest;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, Value, filters, tests};

/// The longest a rendered part may be, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;

/// The longest a filter's result may be, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// The longest a message field may be, in bytes; longer ones are cut.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;

/// The most parts (placeholders, literals, operators, filters, ...) one expression may have.
pub const MAX_EXPRESSION_NODES: usize = 64;

/// How deep `{% for %}` loops may nest.
pub const MAX_LOOP_DEPTH: usize = 3;

/// Bounds the work one rendering may do (a template with `range(10**9)` gives up).
const FUEL: u64 = 200_000;

/// The filters templates may use.
pub const FILTERS: [&str; 20] = [
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "e",
    "escape",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "replace",
    "reverse",
    "round",
    "title",
    "trim",
    "upper",
];

/// The tests templates may use (`{% if location is defined %}`).
pub const TESTS: [&str; 16] = [
    "defined",
    "divisibleby",
    "endingwith",
    "eq",
    "even",
    "false",
    "in",
    "ne",
    "none",
    "number",
    "odd",
    "sequence",
    "startingwith",
    "string",
    "true",
    "undefined",
];

/// The environment every message template renders in: only [`FILTERS`] and [`TESTS`], no
/// global functions, HTML escaping for `.html` parts, fuel.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::empty();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_fuel(Some(FUEL));
    env.add_filter("abs", abs);
    env.add_filter("capitalize", capitalize);
    env.add_filter("count", length);
    env.add_filter("d", default);
    env.add_filter("default", default);
    env.add_filter("e", escape);
    env.add_filter("escape", escape);
    env.add_filter("first", first);
    env.add_filter("float", float);
    env.add_filter("int", int);
    env.add_filter("join", join);
    env.add_filter("last", last);
    env.add_filter("length", length);
    env.add_filter("lower", lower);
    env.add_filter("replace", replace);
    env.add_filter("reverse", reverse);
    env.add_filter("round", round);
    env.add_filter("title", title);
    env.add_filter("trim", trim);
    env.add_filter("upper", upper);
    env.add_test("defined", tests::is_defined);
    env.add_test("divisibleby", tests::is_divisibleby);
    env.add_test("endingwith", tests::is_endingwith);
    env.add_test("eq", tests::is_eq);
    env.add_test("even", tests::is_even);
    env.add_test("false", tests::is_false);
    env.add_test("in", tests::is_in);
    env.add_test("ne", tests::is_ne);
    env.add_test("none", tests::is_none);
    env.add_test("number", tests::is_number);
    env.add_test("odd", tests::is_odd);
    env.add_test("sequence", tests::is_sequence);
    env.add_test("startingwith", tests::is_startingwith);
    env.add_test("string", tests::is_string);
    env.add_test("true", tests::is_true);
    env.add_test("undefined", tests::is_undefined);
    env
}

/// Why `source` is outside the subset, or `None` when it may run. A source that does not
/// parse is left to the compiler to report.
// `SyntaxConfig` is a unit struct unless minijinja's `custom_syntax` feature is on; the
// environment uses the default either way.
#[allow(clippy::default_constructed_unit_structs)]
pub fn refusal(source: &str, name: &str) -> Option<String> {
    let tree = machinery::parse(
        source,
        name,
        SyntaxConfig::default(),
        WhitespaceConfig::default(),
    )
    .ok()?;
    Walk { loops: 0 }.stmt(&tree).err()
}

/// Renders `template` with `ctx` into a string of at most [`MAX_OUTPUT_BYTES`].
pub fn render(template: &minijinja::Template<'_, '_>, ctx: &Value) -> Result<String, Rendering> {
    let mut out = CappedWriter::default();
    match template.render_captured_to(ctx, &mut out) {
        Ok(_) => String::from_utf8(out.buf).map_err(|_| {
            Rendering::Engine(Error::new(
                ErrorKind::BadSerialization,
                "output is not UTF-8",
            ))
        }),
        Err(_) if out.overflowed => Err(Rendering::TooLarge),
        Err(e) => Err(Rendering::Engine(e)),
    }
}

/// Why [`render`] failed.
#[derive(Debug)]
pub enum Rendering {
    TooLarge,
    Engine(Error),
}

/// `value` with every string longer than [`MAX_FIELD_BYTES`] cut (at a character boundary).
pub fn clip_fields(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(mut s) if s.len() > MAX_FIELD_BYTES => {
            let mut end = MAX_FIELD_BYTES;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            serde_json::Value::String(s)
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(clip_fields).collect())
        }
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, clip_fields(v))).collect())
        }
        other => other,
    }
}

/// Collects the output and refuses to grow past [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct CappedWriter {
    buf: Vec<u8>,
    overflowed: bool,
}

impl io::Write for CappedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > MAX_OUTPUT_BYTES {
            self.overflowed = true;
            return Err(io::Error::other("the rendered template is too large"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Walks a parsed template and refuses what is outside the subset.
struct Walk {
    loops: usize,
}

impl Walk {
    fn body(&mut self, stmts: &[ast::Stmt<'_>]) -> Result<(), String> {
        stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, stmt: &ast::Stmt<'_>) -> Result<(), String> {
        match stmt {
            ast::Stmt::Template(t) => self.body(&t.children),
            ast::Stmt::EmitRaw(_) => Ok(()),
            ast::Stmt::EmitExpr(e) => expression(&e.expr),
            ast::Stmt::IfCond(c) => {
                expression(&c.expr)?;
                self.body(&c.true_body)?;
                self.body(&c.false_body)
            }
            ast::Stmt::ForLoop(f) => {
                if f.recursive {
                    return Err("recursive loops are not available in message templates".into());
                }
                loop_target(&f.target)?;
                expression(&f.iter)?;
                if let Some(filter) = &f.filter_expr {
                    expression(filter)?;
                }
                self.loops += 1;
                if self.loops > MAX_LOOP_DEPTH {
                    return Err(format!(
                        "loops may nest at most {MAX_LOOP_DEPTH} deep in message templates"
                    ));
                }
                self.body(&f.body)?;
                self.loops -= 1;
                self.body(&f.else_body)
            }
            ast::Stmt::Set(_) | ast::Stmt::SetBlock(_) => Err(not_available("{% set %}")),
            ast::Stmt::WithBlock(_) => Err(not_available("{% with %}")),
            ast::Stmt::AutoEscape(_) => Err(not_available("{% autoescape %}")),
            ast::Stmt::FilterBlock(_) => Err(not_available("{% filter %}")),
            ast::Stmt::Do(_) => Err(not_available("{% do %}")),
            // Macros, calls, includes, imports, blocks, loop controls: which of these exist
            // depends on minijinja's features, unified across the workspace.
            #[allow(unreachable_patterns)]
            _ => Err(
                "only text, {{ … }}, {% if %} and {% for %} are available in message templates"
                    .into(),
            ),
        }
    }
}

fn not_available(what: &str) -> String {
    format!("{what} is not available in message templates")
}

/// A loop's target: a name, or names to unpack into.
fn loop_target(target: &ast::Expr<'_>) -> Result<(), String> {
    match target {
        ast::Expr::Var(_) => Ok(()),
        ast::Expr::List(names) => names.items.iter().try_for_each(loop_target),
        _ => Err("a loop may only assign to names".into()),
    }
}

/// Checks one whole expression (its parts counted together).
fn expression(expr: &ast::Expr<'_>) -> Result<(), String> {
    let mut nodes = 0;
    part(expr, &mut nodes)
}

fn part(expr: &ast::Expr<'_>, nodes: &mut usize) -> Result<(), String> {
    *nodes += 1;
    if *nodes > MAX_EXPRESSION_NODES {
        return Err(format!(
            "an expression may have at most {MAX_EXPRESSION_NODES} parts in message templates"
        ));
    }
    match expr {
        ast::Expr::Var(_) | ast::Expr::Const(_) => Ok(()),
        ast::Expr::Slice(s) => {
            part(&s.expr, nodes)?;
            for bound in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                part(bound, nodes)?;
            }
            Ok(())
        }
        ast::Expr::UnaryOp(u) => part(&u.expr, nodes),
        ast::Expr::BinOp(b) => {
            if matches!(b.op, ast::BinOpKind::Mul) {
                return Err(not_available("the `*` operator"));
            }
            part(&b.left, nodes)?;
            part(&b.right, nodes)
        }
        ast::Expr::Compare(c) => {
            part(&c.expr, nodes)?;
            c.ops.iter().try_for_each(|op| part(&op.expr, nodes))
        }
        ast::Expr::IfExpr(i) => {
            part(&i.test_expr, nodes)?;
            part(&i.true_expr, nodes)?;
            match &i.false_expr {
                Some(e) => part(e, nodes),
                None => Ok(()),
            }
        }
        ast::Expr::Filter(f) => {
            if !FILTERS.contains(&f.name) {
                return Err(format!(
                    "the filter `{}` is not available in message templates (they may use {})",
                    f.name,
                    FILTERS.join(", ")
                ));
            }
            if let Some(e) = &f.expr {
                part(e, nodes)?;
            }
            arguments(&f.args, nodes)
        }
        ast::Expr::Test(t) => {
            if !TESTS.contains(&t.name) {
                return Err(format!(
                    "the test `{}` is not available in message templates (they may use {})",
                    t.name,
                    TESTS.join(", ")
                ));
            }
            part(&t.expr, nodes)?;
            arguments(&t.args, nodes)
        }
        ast::Expr::GetAttr(g) => part(&g.expr, nodes),
        ast::Expr::GetItem(g) => {
            part(&g.expr, nodes)?;
            part(&g.subscript_expr, nodes)
        }
        ast::Expr::Call(_) => Err(
            "calling functions or methods (range(), namespace(), debug(), loop.cycle(), …) is \
             not available in message templates"
                .into(),
        ),
        ast::Expr::List(l) => {
            if l.items.iter().all(|item| match item {
                ast::Expr::Const(c) => !matches!(
                    c.value.kind(),
                    minijinja::value::ValueKind::Seq | minijinja::value::ValueKind::Map
                ),
                _ => false,
            }) {
                *nodes += l.items.len();
                if *nodes > MAX_EXPRESSION_NODES {
                    return Err(format!(
                        "an expression may have at most {MAX_EXPRESSION_NODES} parts in message templates"
                    ));
                }
                Ok(())
            } else {
                Err("lists in message templates may only hold literal values".into())
            }
        }
        ast::Expr::Map(_) => Err(not_available("a dict literal")),
    }
}

fn arguments(args: &[ast::CallArg<'_>], nodes: &mut usize) -> Result<(), String> {
    args.iter().try_for_each(|arg| match arg {
        ast::CallArg::Pos(e) | ast::CallArg::Kwarg(_, e) => part(e, nodes),
        ast::CallArg::PosSplat(_) | ast::CallArg::KwargSplat(_) => {
            Err(not_available("argument splatting (`*args`, `**kwargs`)"))
        }
    })
}

/// `value` when it is within [`MAX_VALUE_BYTES`].
fn capped(value: Value) -> Result<Value, Error> {
    let size = match value.as_str() {
        Some(s) => s.len(),
        // A list or map of values that already exist: count its slots.
        None => value.len().unwrap_or(0).saturating_mul(32),
    };
    if size > MAX_VALUE_BYTES {
        Err(too_large())
    } else {
        Ok(value)
    }
}

fn too_large() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("a filter's result would be longer than {MAX_VALUE_BYTES} bytes"),
    )
}

fn abs(value: Value) -> Result<Value, Error> {
    capped(filters::abs(value)?)
}

fn capitalize(value: Cow<'_, str>) -> Result<Value, Error> {
    let mut chars = value.chars();
    let out = match chars.next() {
        None => String::new(),
        Some(first) => first.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase(),
    };
    capped(Value::from(out))
}

fn length(value: &Value) -> Result<usize, Error> {
    filters::length(value)
}

fn default(state: &State, value: &Value, args: Rest<Value>) -> Result<Value, Error> {
    capped(filters::default(state, value, args)?)
}

fn escape(state: &State, value: &Value) -> Result<Value, Error> {
    capped(filters::escape(state, value)?)
}

fn first(value: &Value) -> Result<Value, Error> {
    filters::first(value)
}

fn last(value: Value) -> Result<Value, Error> {
    filters::last(value)
}

fn float(state: &State, value: &Value) -> Result<Value, Error> {
    filters::float(state, value)
}

fn int(state: &State, value: &Value) -> Result<Value, Error> {
    filters::int(state, value)
}

fn lower(value: Cow<'_, str>) -> Result<Value, Error> {
    capped(Value::from(value.to_lowercase()))
}

fn upper(value: Cow<'_, str>) -> Result<Value, Error> {
    capped(Value::from(value.to_uppercase()))
}

fn title(value: Cow<'_, str>) -> Result<Value, Error> {
    capped(Value::from(filters::title(value)))
}

fn reverse(value: &Value) -> Result<Value, Error> {
    capped(filters::reverse(value)?)
}

fn round(value: Value, precision: Option<i32>) -> Result<Value, Error> {
    filters::round(value, precision)
}

fn trim(value: Cow<'_, str>, chars: Option<Cow<'_, str>>) -> Result<Value, Error> {
    let out = match chars {
        Some(chars) => {
            let chars: Vec<char> = chars.chars().collect();
            value.trim_matches(&chars[..]).to_owned()
        }
        None => value.trim().to_owned(),
    };
    capped(Value::from(out))
}

/// `join`, stopping before the result passes [`MAX_VALUE_BYTES`].
fn join(value: &Value, joiner: Option<Cow<'_, str>>) -> Result<Value, Error> {
    let joiner = joiner.as_deref().unwrap_or("");
    if let Some(s) = value.as_str() {
        // A string joins its characters.
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 {
                push_capped(&mut out, joiner)?;
            }
            push_capped(&mut out, c.encode_utf8(&mut [0; 4]))?;
        }
        return Ok(Value::from(out));
    }
    let mut out = String::new();
    for (i, item) in value.try_iter()?.enumerate() {
        if i > 0 {
            push_capped(&mut out, joiner)?;
        }
        match item.as_str() {
            Some(s) => push_capped(&mut out, s)?,
            None => push_capped(&mut out, &item.to_string())?,
        }
    }
    Ok(Value::from(out))
}

/// `replace`, refused before it builds a result longer than [`MAX_VALUE_BYTES`].
fn replace(value: Cow<'_, str>, from: Cow<'_, str>, to: Cow<'_, str>) -> Result<Value, Error> {
    let count = if from.is_empty() {
        value.chars().count() + 1
    } else {
        value.matches(from.as_ref()).count()
    };
    let grows = to.len().saturating_sub(from.len());
    if value.len().saturating_add(count.saturating_mul(grows)) > MAX_VALUE_BYTES {
        return Err(too_large());
    }
    Ok(Value::from(value.replace(from.as_ref(), &to)))
}

fn push_capped(out: &mut String, s: &str) -> Result<(), Error> {
    if out.len().saturating_add(s.len()) > MAX_VALUE_BYTES {
        return Err(too_large());
    }
    out.push_str(s);
    Ok(())
}
