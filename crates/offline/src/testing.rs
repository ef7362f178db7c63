//! Test helpers: run every party of a protocol on an in-memory mesh, each in its own task.

use std::future::Future;

use spdz_net::MemoryTransport;

/// Runs `f(transport, party)` for every party of an `n`-party in-memory mesh, each as a tokio
/// task on a multi-thread runtime, and returns the results in party order.
pub(crate) fn run_parties<T, Fut, Mk>(n: usize, make: Mk) -> Vec<T>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    Mk: Fn(MemoryTransport, usize) -> Fut,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let handles: Vec<_> = MemoryTransport::mesh(n)
            .into_iter()
            .enumerate()
            .map(|(i, t)| tokio::spawn(make(t, i)))
            .collect();
        let mut out = Vec::with_capacity(n);
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    })
}
