//! Running per-peer sub-protocols concurrently (the workspace does not depend on `futures`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::OfflineError;

/// Polls all futures concurrently until every one has finished; outputs in order.
pub(crate) async fn join_all<T, F>(futures: Vec<F>) -> Vec<T>
where
    F: Future<Output = T>,
{
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        let mut all_done = true;
        for (slot, out) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// `true` for errors that say a link failed rather than which check a peer broke.
pub(crate) fn is_link_failure(e: &OfflineError) -> bool {
    matches!(
        e,
        OfflineError::Net(_)
            | OfflineError::Ot(spdz_ot::OtError::Net(_))
            | OfflineError::Ot(spdz_ot::OtError::Poisoned)
    )
}

/// All outputs, or an error: a check failure in preference to a link failure (a peer that
/// aborted because of a cheater disconnects, and the honest party should report the cheat it
/// saw itself, not the disconnect).
pub(crate) fn collect<T>(results: Vec<Result<T, OfflineError>>) -> Result<Vec<T>, OfflineError> {
    let mut out = Vec::with_capacity(results.len());
    let mut link: Option<OfflineError> = None;
    let mut check: Option<OfflineError> = None;
    for r in results {
        match r {
            Ok(v) => out.push(v),
            Err(e) if is_link_failure(&e) => {
                link.get_or_insert(e);
            }
            Err(e) => {
                check.get_or_insert(e);
            }
        }
    }
    match (check, link) {
        (Some(e), _) | (None, Some(e)) => Err(e),
        (None, None) => Ok(out),
    }
}
