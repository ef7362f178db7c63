//! Arithmetic on secret values with operators, evaluated with batching for free.
//!
//! ```
//! use spdz_online::expr::{Builder, Revealed, run_local};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // Two parties, two secret numbers, (a·b) − 5·(a + b), reconstructed to party 0 only.
//! let outputs = run_local(2, |me, b: &mut Builder| {
//!     let a = b.input_int(0, (me == 0).then(|| vec![25]), 1);
//!     let c = b.input_int(1, (me == 1).then(|| vec![50]), 1);
//!     let out = (&a * &c) - 5 * (&a + &c);
//!     b.reveal_to(0, &out);
//! })
//! .await
//! .unwrap();
//! assert_eq!(outputs[0], vec![Some(Revealed::Int(vec![875]))]);
//! assert_eq!(outputs[1], vec![None]);
//! # });
//! ```
//!
//! Building an expression records a circuit ([`Builder`], [`Expr`]); nothing is computed
//! until the circuit is evaluated on a [`Party`] ([`Circuit::evaluate`]). Evaluation runs
//! level by level of multiplicative depth: every product of one level goes into **one**
//! Beaver round ([`Party::mul`] on the concatenation), and likewise every fixed-point product,
//! truncation, comparison and equality test of a level into one call of the online phase's
//! vector operations. Linear operations are local. So an expression of multiplicative depth
//! `d` takes `d` Beaver rounds, whatever its width (tested).
//!
//! Values are vectors (scalars have length 1) of integers ([`Builder::input_int`]) or fixed-point
//! reals ([`Builder::input_fixed`], range-proven by [`Party::input_fixed_many`]). The
//! preprocessing a circuit needs is known before it runs ([`Circuit::budget`]), so MASCOT makes
//! exactly that; [`run_local`] does it all for `n` parties in one process (tests, demos,
//! teaching).
//!
//! Mistakes in building (operands of different lengths or kinds, an input given at the wrong
//! party) are recorded and reported by [`Builder::finish`] as [`OnlineError::ApiMisuse`]; the
//! operators themselves never panic.

use std::cell::RefCell;
use std::ops::{Add, Mul, Neg, Sub};
use std::rc::Rc;

use spdz_field::{Field, Fp};
use spdz_net::{MemoryTransport, PartyId, Transport};
use spdz_offline::{Preprocessing, generate};

use crate::budget::Budget;
use crate::error::OnlineError;
use crate::fixed::FixedParams;
use crate::party::Party;
use crate::share::Shared;

/// Integers or fixed-point reals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Integers (field elements in the signed range).
    Int,
    /// Fixed-point reals with `f` fractional bits.
    Fixed,
}

#[derive(Clone, Debug)]
enum Op {
    InputInt {
        owner: PartyId,
        values: Option<Vec<i64>>,
    },
    InputFixed {
        owner: PartyId,
        values: Option<Vec<f64>>,
    },
    InputUint {
        owner: PartyId,
        values: Option<Vec<u64>>,
        bits: u32,
    },
    /// A scalar repeated to a vector.
    Repeat(usize),
    /// `[[x = 0]]` as an integer bit.
    IsZero(usize),
    /// `[[x < 0]]` as an integer bit.
    IsNegative(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Neg(usize),
    /// Times a public integer.
    Scale(usize, i64),
    /// Plus a public integer (for fixed point: the real `c`, encoded).
    AddConst(usize, i64),
    Sum(usize),
    Mul(usize, usize),
    FxMul(usize, usize),
    /// `[[x < y]]` as an integer bit.
    Lt(usize, usize),
    /// `[[x = y]]` as an integer bit.
    Eq(usize, usize),
}

impl Op {
    fn nonlinear(&self) -> bool {
        matches!(
            self,
            Op::Mul(..)
                | Op::FxMul(..)
                | Op::Lt(..)
                | Op::Eq(..)
                | Op::IsZero(..)
                | Op::IsNegative(..)
        )
    }
}

#[derive(Clone, Debug)]
struct Node {
    op: Op,
    len: usize,
    kind: Kind,
    level: usize,
}

#[derive(Clone, Copy, Debug)]
enum Output {
    All(usize),
    To(PartyId, usize),
}

#[derive(Default)]
struct Graph {
    nodes: Vec<Node>,
    outputs: Vec<Output>,
    error: Option<&'static str>,
}

/// Records a circuit. Every party builds the same circuit (the same inputs in the same order,
/// with values only at their owner), then evaluates it.
#[derive(Default)]
pub struct Builder {
    g: Rc<RefCell<Graph>>,
}

/// A secret value of the circuit being built (a handle: cloning it is cheap).
#[derive(Clone)]
pub struct Expr {
    g: Rc<RefCell<Graph>>,
    id: usize,
}

impl core::fmt::Debug for Expr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Expr").field("id", &self.id).finish()
    }
}

fn push(g: &Rc<RefCell<Graph>>, op: Op, len: usize, kind: Kind) -> Expr {
    let mut gr = g.borrow_mut();
    let level = match &op {
        Op::InputInt { .. } | Op::InputFixed { .. } | Op::InputUint { .. } => 0,
        Op::Add(a, b)
        | Op::Sub(a, b)
        | Op::Mul(a, b)
        | Op::FxMul(a, b)
        | Op::Lt(a, b)
        | Op::Eq(a, b) => gr.nodes[*a].level.max(gr.nodes[*b].level),
        Op::Neg(a)
        | Op::Scale(a, _)
        | Op::AddConst(a, _)
        | Op::Sum(a)
        | Op::Repeat(a)
        | Op::IsZero(a)
        | Op::IsNegative(a) => gr.nodes[*a].level,
    } + usize::from(op.nonlinear());
    gr.nodes.push(Node {
        op,
        len,
        kind,
        level,
    });
    Expr {
        g: g.clone(),
        id: gr.nodes.len() - 1,
    }
}

impl Builder {
    /// An empty circuit.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&self, what: &'static str) {
        let mut g = self.g.borrow_mut();
        g.error.get_or_insert(what);
    }

    /// `len` integers input by `owner`; `values` is `Some` exactly at the owner.
    pub fn input_int(&mut self, owner: PartyId, values: Option<Vec<i64>>, len: usize) -> Expr {
        if values.as_ref().is_some_and(|v| v.len() != len) {
            self.fail("input_int: values of the wrong length");
        }
        push(&self.g, Op::InputInt { owner, values }, len, Kind::Int)
    }

    /// `len` fixed-point reals input by `owner` (range-proven); `values` is `Some` exactly at
    /// the owner.
    pub fn input_fixed(&mut self, owner: PartyId, values: Option<Vec<f64>>, len: usize) -> Expr {
        if values.as_ref().is_some_and(|v| v.len() != len) {
            self.fail("input_fixed: values of the wrong length");
        }
        push(&self.g, Op::InputFixed { owner, values }, len, Kind::Fixed)
    }

    /// `len` unsigned integers input by `owner`, each proven to be below `2^bits`
    /// ([`Party::input_uint`]; `bits = 1` for proven bits, e.g. ballots).
    pub fn input_uint(
        &mut self,
        owner: PartyId,
        values: Option<Vec<u64>>,
        len: usize,
        bits: u32,
    ) -> Expr {
        if values.as_ref().is_some_and(|v| v.len() != len) {
            self.fail("input_uint: values of the wrong length");
        }
        push(
            &self.g,
            Op::InputUint {
                owner,
                values,
                bits,
            },
            len,
            Kind::Int,
        )
    }

    /// Reveal `e` to every party (after the checks).
    pub fn reveal(&mut self, e: &Expr) {
        self.g.borrow_mut().outputs.push(Output::All(e.id));
    }

    /// Reveal `e` to `owner` only (after the checks).
    pub fn reveal_to(&mut self, owner: PartyId, e: &Expr) {
        self.g.borrow_mut().outputs.push(Output::To(owner, e.id));
    }

    /// The recorded circuit.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for the first mistake made while building (operands of
    /// different lengths or kinds, values of the wrong length).
    pub fn finish(self) -> Result<Circuit, OnlineError> {
        let g = self.g.borrow();
        if let Some(what) = g.error {
            return Err(OnlineError::ApiMisuse { what });
        }
        Ok(Circuit {
            nodes: g.nodes.clone(),
            outputs: g.outputs.clone(),
        })
    }
}

impl Expr {
    fn node(&self) -> (usize, Kind) {
        let g = self.g.borrow();
        (g.nodes[self.id].len, g.nodes[self.id].kind)
    }

    fn fail(&self, what: &'static str) {
        self.g.borrow_mut().error.get_or_insert(what);
    }

    fn binary(&self, other: &Expr, make: impl Fn(usize, usize) -> Op, kind: Option<Kind>) -> Expr {
        let ((la, ka), (lb, kb)) = (self.node(), other.node());
        if !Rc::ptr_eq(&self.g, &other.g) {
            self.fail("operands of different circuits");
        } else if la != lb {
            self.fail("operands of different lengths");
        } else if ka != kb {
            self.fail("operands of different kinds (integer and fixed point)");
        }
        push(&self.g, make(self.id, other.id), la, kind.unwrap_or(ka))
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.node().0
    }

    /// Whether the vector is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Integers or fixed point.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.node().1
    }

    /// The sum of all elements (length 1).
    #[must_use]
    pub fn sum(&self) -> Expr {
        let (_, k) = self.node();
        push(&self.g, Op::Sum(self.id), 1, k)
    }

    /// A scalar (length 1) repeated `n` times (local).
    #[must_use]
    pub fn repeat(&self, n: usize) -> Expr {
        let (l, k) = self.node();
        if l != 1 {
            self.fail("repeat: not a scalar");
        }
        push(&self.g, Op::Repeat(self.id), n, k)
    }

    /// `[[self = 0]]` element-wise, as integer bits (needs `|x| < 2^(k−1)`).
    #[must_use]
    pub fn is_zero(&self) -> Expr {
        let (l, _) = self.node();
        push(&self.g, Op::IsZero(self.id), l, Kind::Int)
    }

    /// `[[self < 0]]` element-wise, as integer bits (needs `|x| < 2^(k−1)`).
    #[must_use]
    pub fn is_negative(&self) -> Expr {
        let (l, _) = self.node();
        push(&self.g, Op::IsNegative(self.id), l, Kind::Int)
    }

    /// `[[self > 0]]` element-wise, as integer bits.
    #[must_use]
    pub fn is_positive(&self) -> Expr {
        (-self).is_negative()
    }

    /// `[[self < other]]` element-wise, as integer bits (needs `|x − y| < 2^(k−1)`).
    #[must_use]
    pub fn lt(&self, other: &Expr) -> Expr {
        self.binary(other, Op::Lt, Some(Kind::Int))
    }

    /// `[[self > other]]` element-wise, as integer bits.
    #[must_use]
    pub fn gt(&self, other: &Expr) -> Expr {
        other.lt(self)
    }

    /// `[[self = other]]` element-wise, as integer bits.
    #[must_use]
    pub fn eq(&self, other: &Expr) -> Expr {
        self.binary(other, Op::Eq, Some(Kind::Int))
    }
}

impl Add for &Expr {
    type Output = Expr;
    fn add(self, rhs: &Expr) -> Expr {
        self.binary(rhs, Op::Add, None)
    }
}
impl Add for Expr {
    type Output = Expr;
    fn add(self, rhs: Expr) -> Expr {
        &self + &rhs
    }
}
impl Sub for &Expr {
    type Output = Expr;
    fn sub(self, rhs: &Expr) -> Expr {
        self.binary(rhs, Op::Sub, None)
    }
}
impl Sub for Expr {
    type Output = Expr;
    fn sub(self, rhs: Expr) -> Expr {
        &self - &rhs
    }
}
impl Neg for &Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        let (l, k) = self.node();
        push(&self.g, Op::Neg(self.id), l, k)
    }
}
impl Mul for &Expr {
    type Output = Expr;
    /// A product: Beaver for integers, Beaver and truncation for fixed point.
    fn mul(self, rhs: &Expr) -> Expr {
        match self.node().1 {
            Kind::Int => self.binary(rhs, Op::Mul, None),
            Kind::Fixed => self.binary(rhs, Op::FxMul, None),
        }
    }
}
impl Mul for Expr {
    type Output = Expr;
    fn mul(self, rhs: Expr) -> Expr {
        &self * &rhs
    }
}
/// Times a public integer (local).
impl Mul<&Expr> for i64 {
    type Output = Expr;
    fn mul(self, rhs: &Expr) -> Expr {
        let (l, k) = rhs.node();
        push(&rhs.g, Op::Scale(rhs.id, self), l, k)
    }
}
impl Mul<Expr> for i64 {
    type Output = Expr;
    fn mul(self, rhs: Expr) -> Expr {
        self * &rhs
    }
}
/// Plus a public integer (for fixed point, the integer as a real).
impl Add<i64> for &Expr {
    type Output = Expr;
    fn add(self, c: i64) -> Expr {
        let (l, k) = self.node();
        push(&self.g, Op::AddConst(self.id, c), l, k)
    }
}
impl Add<i64> for Expr {
    type Output = Expr;
    fn add(self, c: i64) -> Expr {
        &self + c
    }
}
impl Sub<i64> for &Expr {
    type Output = Expr;
    fn sub(self, c: i64) -> Expr {
        let (l, k) = self.node();
        push(&self.g, Op::AddConst(self.id, c.wrapping_neg()), l, k)
    }
}
impl Sub<i64> for Expr {
    type Output = Expr;
    fn sub(self, c: i64) -> Expr {
        &self - c
    }
}

/// A revealed output.
#[derive(Clone, Debug, PartialEq)]
pub enum Revealed {
    /// Integers, from the signed range of F_p.
    Int(Vec<i128>),
    /// Fixed-point reals.
    Fixed(Vec<f64>),
}

/// A recorded circuit, ready to evaluate (it holds no shares; `Send`).
#[derive(Clone, Debug)]
pub struct Circuit {
    nodes: Vec<Node>,
    outputs: Vec<Output>,
}

impl Circuit {
    /// The multiplicative depth: the number of Beaver rounds evaluation takes.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.nodes.iter().map(|n| n.level).max().unwrap_or(0)
    }

    /// The preprocessing evaluation consumes with fixed-point parameters `fx`.
    #[must_use]
    pub fn budget(&self, fx: &FixedParams) -> Budget {
        let mut b = Budget::zero();
        for n in &self.nodes {
            b += &match &n.op {
                Op::InputInt { owner, .. } => Budget::input_masks(*owner, n.len),
                Op::InputFixed { owner, .. } => fx.cost_input_fixed(*owner, n.len),
                Op::InputUint { owner, bits, .. } => fx.cost_input_uint(*owner, n.len, *bits),
                Op::IsZero(..) => fx.cost_eqz() * n.len,
                Op::IsNegative(..) => fx.cost_ltz() * n.len,
                Op::Mul(..) => Budget::triples(n.len),
                Op::FxMul(..) => fx.cost_fx_mul() * n.len,
                Op::Lt(..) => fx.cost_ltz() * n.len,
                Op::Eq(..) => fx.cost_eqz() * n.len,
                _ => Budget::zero(),
            };
        }
        for o in &self.outputs {
            if let Output::To(owner, id) = o {
                b += &Budget::input_masks(*owner, self.nodes[*id].len);
            }
        }
        b
    }

    /// Evaluate on `party` (every party evaluates the same circuit): inputs first (integers
    /// one round per input, fixed point together with one range proof), then one batch per
    /// level and kind of nonlinear operation, then the outputs in order. Returns one entry
    /// per output: `Some` where this party learns it.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for values given at the wrong party or an output owner out of
    /// range; otherwise the online phase's errors (the party is then poisoned and nothing is
    /// returned).
    pub async fn evaluate<T: Transport, P: Preprocessing<Fp>>(
        &self,
        party: &mut Party<T, P, Fp>,
    ) -> Result<Vec<Option<Revealed>>, OnlineError> {
        let mut vals: Vec<Option<Shared<Fp>>> = vec![None; self.nodes.len()];
        // Inputs.
        let mut fixed_ids = Vec::new();
        let mut fixed_specs = Vec::new();
        for (id, n) in self.nodes.iter().enumerate() {
            match &n.op {
                Op::InputInt { owner, values } => {
                    let enc: Option<Vec<Fp>> = values
                        .as_ref()
                        .map(|v| v.iter().map(|&x| Fp::from_i64(x)).collect());
                    vals[id] = Some(party.input(*owner, enc.as_deref(), n.len).await?);
                }
                Op::InputFixed { owner, values } => {
                    fixed_ids.push(id);
                    fixed_specs.push((*owner, values.as_deref(), n.len));
                }
                Op::InputUint {
                    owner,
                    values,
                    bits,
                } => {
                    let x = party
                        .input_uint(*owner, values.as_deref(), n.len, *bits)
                        .await?;
                    vals[id] = Some(x);
                }
                _ => {}
            }
        }
        if !fixed_specs.is_empty() {
            let xs = party.input_fixed_many(&fixed_specs).await?;
            for (id, x) in fixed_ids.into_iter().zip(xs) {
                vals[id] = Some(x);
            }
        }
        for level in 0..=self.depth() {
            self.nonlinear_level(party, level, &mut vals).await?;
            for (id, n) in self.nodes.iter().enumerate() {
                if n.level == level && !n.op.nonlinear() && vals[id].is_none() {
                    vals[id] = Some(self.linear(party, id, &vals)?);
                }
            }
        }
        let fx = party.fixed_params();
        let enc = fx.encoding()?;
        let mut out = Vec::with_capacity(self.outputs.len());
        for o in &self.outputs {
            let (id, to) = match *o {
                Output::All(id) => (id, None),
                Output::To(owner, id) => (id, Some(owner)),
            };
            let v = get(&vals, id)?;
            let opened = match to {
                None => Some(party.reveal(v).await?),
                Some(owner) => party.reveal_to(owner, v).await?,
            };
            out.push(opened.map(|o| match self.nodes[id].kind {
                Kind::Int => Revealed::Int(o.values().iter().map(|&x| x.to_i128()).collect()),
                Kind::Fixed => Revealed::Fixed(enc.decode_slice(o.values())),
            }));
        }
        Ok(out)
    }

    /// All nonlinear nodes of `level`, one batch per operation kind.
    async fn nonlinear_level<T: Transport, P: Preprocessing<Fp>>(
        &self,
        party: &mut Party<T, P, Fp>,
        level: usize,
        vals: &mut [Option<Shared<Fp>>],
    ) -> Result<(), OnlineError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Batch {
            Mul,
            FxMul,
            Lt,
            Eq,
            IsZero,
            IsNegative,
        }
        for batch in [
            Batch::Mul,
            Batch::FxMul,
            Batch::Lt,
            Batch::Eq,
            Batch::IsZero,
            Batch::IsNegative,
        ] {
            let mut ids = Vec::new();
            let mut lhs = Vec::new();
            let mut rhs = Vec::new();
            for (id, n) in self.nodes.iter().enumerate() {
                if n.level != level {
                    continue;
                }
                let (b, x, y) = match n.op {
                    Op::Mul(x, y) => (Batch::Mul, x, y),
                    Op::FxMul(x, y) => (Batch::FxMul, x, y),
                    Op::Lt(x, y) => (Batch::Lt, x, y),
                    Op::Eq(x, y) => (Batch::Eq, x, y),
                    Op::IsZero(x) => (Batch::IsZero, x, x),
                    Op::IsNegative(x) => (Batch::IsNegative, x, x),
                    _ => continue,
                };
                if b == batch {
                    ids.push(id);
                    lhs.push(get(vals, x)?);
                    rhs.push(get(vals, y)?);
                }
            }
            if ids.is_empty() {
                continue;
            }
            let (l, r) = (Shared::concat(&lhs), Shared::concat(&rhs));
            let res = match batch {
                Batch::Mul => party.mul(&l, &r).await?,
                Batch::FxMul => party.fx_mul(&l, &r).await?,
                Batch::Lt => party.lt(&l, &r).await?,
                Batch::Eq => party.eq(&l, &r).await?,
                Batch::IsZero => party.eqz(&l).await?,
                Batch::IsNegative => party.ltz(&l).await?,
            };
            let mut at = 0;
            for id in ids {
                let len = self.nodes[id].len;
                vals[id] = Some(res.slice(at, len));
                at += len;
            }
        }
        Ok(())
    }

    fn linear<T: Transport, P: Preprocessing<Fp>>(
        &self,
        party: &Party<T, P, Fp>,
        id: usize,
        vals: &[Option<Shared<Fp>>],
    ) -> Result<Shared<Fp>, OnlineError> {
        let n = &self.nodes[id];
        let one = match n.kind {
            Kind::Int => Fp::ONE,
            Kind::Fixed => Fp::from_u128(1u128 << party.fixed_params().frac_bits()),
        };
        Ok(match n.op {
            Op::Add(a, b) => get(vals, a)? + get(vals, b)?,
            Op::Sub(a, b) => get(vals, a)? - get(vals, b)?,
            Op::Neg(a) => get(vals, a)?.scale(-Fp::ONE),
            Op::Scale(a, c) => get(vals, a)?.scale(Fp::from_i64(c)),
            Op::AddConst(a, c) => party.add_public_scalar(get(vals, a)?, Fp::from_i64(c) * one)?,
            Op::Sum(a) => get(vals, a)?.sum(),
            Op::Repeat(a) => {
                let x = get(vals, a)?;
                Shared::concat(&vec![x; n.len])
            }
            _ => {
                return Err(OnlineError::ApiMisuse {
                    what: "expr: node evaluated out of order",
                });
            }
        })
    }
}

fn get(vals: &[Option<Shared<Fp>>], id: usize) -> Result<&Shared<Fp>, OnlineError> {
    vals.get(id)
        .and_then(Option::as_ref)
        .ok_or(OnlineError::ApiMisuse {
            what: "expr: operand not evaluated",
        })
}

/// Runs an `n`-party program in this process: every party builds its circuit with `program`
/// (given its id; values only for its own inputs), the preprocessing the circuit needs is
/// made by MASCOT between the parties (over the in-memory transport, no dealer), and the
/// circuit is evaluated. Returns every party's outputs, indexed by party id.
///
/// For tests, demos and teaching; a deployment runs [`Circuit::evaluate`] on each party's own
/// [`Party`] over TLS.
///
/// # Errors
/// The first party's error: [`OnlineError::ApiMisuse`] for a badly built circuit (or parties
/// that built different circuits: their budgets differ), MASCOT's errors, the online phase's.
pub async fn run_local<F>(n: usize, program: F) -> Result<Vec<Vec<Option<Revealed>>>, OnlineError>
where
    F: Fn(PartyId, &mut Builder),
{
    let fx = FixedParams::default();
    let mut circuits = Vec::with_capacity(n);
    for me in 0..n {
        let mut b = Builder::new();
        program(me, &mut b);
        circuits.push(b.finish()?);
    }
    let need = circuits.first().map(|c| c.budget(&fx)).unwrap_or_default();
    if circuits.iter().any(|c| c.budget(&fx) != need) {
        return Err(OnlineError::ApiMisuse {
            what: "run_local: the parties built different circuits",
        });
    }
    let params = need.mascot_params();
    let mut handles = Vec::with_capacity(n);
    for (t, circuit) in MemoryTransport::mesh(n).into_iter().zip(circuits) {
        let params = params.clone();
        handles.push(tokio::spawn(async move {
            let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
            let (prep, _) = generate::<Fp, _, _>(&t, &params, None, &mut rng).await?;
            let mut party = Party::new(t, prep, &mut rng)?;
            circuit.evaluate(&mut party).await
        }));
    }
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.map_err(|_| OnlineError::ApiMisuse {
            what: "run_local: a party's task panicked",
        })??);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistakes_are_reported_by_finish() {
        let mut b = Builder::new();
        let x = b.input_int(0, None, 2);
        let y = b.input_int(1, None, 3);
        let _ = &x * &y;
        assert!(matches!(b.finish(), Err(OnlineError::ApiMisuse { .. })));
        let mut b = Builder::new();
        let x = b.input_int(0, None, 2);
        let y = b.input_fixed(1, None, 2);
        let _ = &x + &y;
        assert!(matches!(b.finish(), Err(OnlineError::ApiMisuse { .. })));
        let mut b = Builder::new();
        let _ = b.input_int(0, Some(vec![1]), 2);
        assert!(matches!(b.finish(), Err(OnlineError::ApiMisuse { .. })));
    }

    #[test]
    fn depth_and_budget_follow_the_circuit() {
        let fx = FixedParams::default();
        let mut b = Builder::new();
        let x = b.input_int(0, None, 4);
        let y = b.input_int(1, None, 4);
        // Width 3 at depth 1, then depth 2 and 3.
        let (p, q, r) = (&x * &y, &x * &x, &y * &y);
        let s = &(&p + &q) * &r;
        let t = &s * &x;
        let u = t.lt(&y);
        b.reveal_to(1, &u);
        let c = b.finish().unwrap();
        assert_eq!(c.depth(), 4);
        let want = Budget::input_masks(0, 4)
            + Budget::input_masks(1, 4)
            + Budget::triples(5 * 4)
            + fx.cost_ltz() * 4
            + Budget::input_masks(1, 4);
        assert_eq!(c.budget(&fx), want);
    }
}
