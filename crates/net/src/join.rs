//! A small `try_join_all` (the workspace does not depend on `futures`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls all futures concurrently; returns all outputs in order, or the first error as soon as
/// one future fails (the others are dropped).
pub(crate) async fn try_join_all<T, E, F>(futures: Vec<F>) -> Result<Vec<T>, E>
where
    F: Future<Output = Result<T, E>>,
{
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        let mut all_done = true;
        for (slot, out) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(Ok(v)) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(Ok(outputs.iter_mut().filter_map(Option::take).collect()))
        } else {
            Poll::Pending
        }
    })
    .await
}
