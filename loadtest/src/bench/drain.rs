//! The consumer: how fast a backlog of logged workouts reaches the database, beside a bare
//! bulk insert of the same documents into a collection with the same index.

use std::time::{Duration, Instant};

use adapters::mongo::{history_index, to_document, MongoStore, COLLECTION};
use anyhow::{bail, Context, Result};
use futures::StreamExt;
use mongodb::bson::{doc, Document};
use mongodb::options::{Acknowledgment, CollectionOptions, WriteConcern};
use mongodb::Collection;
use testkit::Stack;

use super::amqp::BarePublisher;
use super::cpu::{CpuUse, Part};
use super::{events, ratio, BenchConfig, Figure};

const BACKLOG_USER: &str = "bench-backlog";
/// Documents per `insert_many` in the baseline: the consumer's default batch.
const BASELINE_CHUNK: usize = 256;
const PARTS: [Part; 4] = [Part::Bench, Part::Broker, Part::Consumers, Part::Database];

pub async fn run(stack: &mut Stack, config: &BenchConfig) -> Result<Vec<Figure>> {
    let n = config.backlog;
    let events: Vec<_> = (0..n)
        .map(|i| events::event(BACKLOG_USER, (i % 1800) as i64))
        .collect::<Result<_>>()?;
    let store = MongoStore::connect(&stack.uri).await?;
    // The consumer keeps only changes of accounts that exist.
    let account = service::Account {
        id: BACKLOG_USER.to_owned(),
        email: format!("{BACKLOG_USER}@example.com"),
        password_hash: "unusable".to_owned(),
        created_at: chrono::Utc::now(),
        deleting_since: None,
    };
    match service::AccountStore::create_account(&store, &account).await {
        Ok(()) | Err(service::AccountError::EmailTaken) => {}
        Err(e) => bail!("cannot create the backlog's account: {e}"),
    }
    let workouts = collection(&store, COLLECTION);
    let docs: Vec<Document> = events
        .iter()
        .map(to_document)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    // The database slows as its files grow, so whichever side ran second would lose: the
    // baseline runs before and after the drain, and the consumer is compared with the mean.
    eprintln!("bench: consumer baseline: bulk insert of the same {n} documents…");
    let before = bare_insert(stack, &store, &docs, "bench_baseline_before").await?;

    eprintln!("bench: consumer: stopping it and pre-filling the queue with {n} events…");
    stack.consumers[0].proc.terminate(Duration::from_secs(10));
    let bare = BarePublisher::connect(&stack.broker.url()).await?;
    // Whatever the write benchmark left is not part of this measurement.
    let purged = bare.purge().await?;
    eprintln!("bench: consumer: purged {purged} events left by the write benchmark");
    let published = futures::stream::iter(events.iter().map(|e| {
        let bare = bare.clone();
        let body = events::bytes(e);
        let id = e.id.to_string();
        async move { bare.publish(&id, &body).await }
    }))
    .buffer_unordered(256)
    .filter(|ok| std::future::ready(*ok))
    .count()
    .await;
    if published != n {
        bail!("only {published} of {n} events were confirmed while pre-filling");
    }
    let backlog = bare.ready().await?;

    eprintln!("bench: consumer: draining {backlog} queued events…");
    let cpu_before = CpuUse::now(stack, &PARTS);
    let started = Instant::now();
    stack.consumers[0].start_again()?;
    // Progress comes from the consumer's own counter: counting documents would load the
    // database being measured (a count of 100,000 documents costs SecantusDB about a second).
    while persisted(stack).await < n as f64 {
        if started.elapsed() > Duration::from_secs(1800) {
            bail!("the consumer did not persist the backlog in 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let consumer_rate = n as f64 / started.elapsed().as_secs_f64();
    let consumer_cpu = CpuUse::now(stack, &PARTS).per_op(&cpu_before, n as f64);
    let batch = mean_batch(stack).await;
    let stored = workouts
        .count_documents(doc! {"user_id": BACKLOG_USER})
        .await
        .context("counting")?;
    if stored != n as u64 {
        bail!("the consumer reported {n} persisted but {stored} documents are stored");
    }

    eprintln!("bench: consumer baseline again, after the drain…");
    let after = bare_insert(stack, &store, &docs, "bench_baseline_after").await?;
    for name in ["bench_baseline_before", "bench_baseline_after"] {
        let _ = collection(&store, name).drop().await;
    }
    let baseline_rate = (before.rate + after.rate) / 2.0;
    let baseline_cpu = before.cpu.mean_with(&after.cpu);

    Ok(vec![
        Figure::new(
            &format!("consumer: {n} queued events persisted"),
            format!("{consumer_rate:.0} events/s, mean batch {batch:.0}"),
            format!(
                "{baseline_rate:.0} docs/s (insert_many, {BASELINE_CHUNK} per call, same index; \
                 mean of {:.0} before and {:.0} after)",
                before.rate, after.rate
            ),
            ratio(consumer_rate, baseline_rate),
            "ratio ≥ 0.8",
        ),
        Figure::new(
            "consumer: CPU µs per event",
            consumer_cpu.describe(),
            baseline_cpu.describe(),
            ratio(baseline_cpu.total(), consumer_cpu.total()),
            "the bound on 2 shared cores",
        ),
    ])
}

struct BareInsert {
    rate: f64,
    cpu: CpuUse,
}

/// Inserts `docs` in chunks into a fresh collection `name` with the workouts' history index.
async fn bare_insert(
    stack: &Stack,
    store: &MongoStore,
    docs: &[Document],
    name: &str,
) -> Result<BareInsert> {
    let target = collection(store, name);
    let _ = target.drop().await;
    target
        .create_index(history_index())
        .await
        .context("creating the baseline's index")?;
    let cpu_before = CpuUse::now(stack, &PARTS);
    let started = Instant::now();
    for chunk in docs.chunks(BASELINE_CHUNK) {
        target
            .insert_many(chunk)
            .ordered(false)
            .await
            .context("bulk insert")?;
    }
    let n = docs.len() as f64;
    Ok(BareInsert {
        rate: n / started.elapsed().as_secs_f64(),
        cpu: CpuUse::now(stack, &PARTS).per_op(&cpu_before, n),
    })
}

/// A collection with the consumer's write concern.
fn collection(store: &MongoStore, name: &str) -> Collection<Document> {
    let majority = WriteConcern::builder()
        .w(Acknowledgment::Majority)
        .journal(true)
        .build();
    store.client().database("ironlog").collection_with_options(
        name,
        CollectionOptions::builder().write_concern(majority).build(),
    )
}

fn metrics_urls(stack: &Stack) -> Vec<String> {
    stack
        .consumer_metrics_ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}/metrics"))
        .collect()
}

/// Messages the consumers have persisted and acknowledged since they started.
async fn persisted(stack: &Stack) -> f64 {
    const PERSISTED: &str = "ironlog_consumer_persisted_total";
    crate::metrics::totals(&reqwest::Client::new(), &metrics_urls(stack), &[PERSISTED])
        .await
        .get(PERSISTED)
}

/// Messages per batch the consumers wrote, from their metrics.
async fn mean_batch(stack: &Stack) -> f64 {
    let (sum, count) = (
        "ironlog_consumer_batch_size_sum",
        "ironlog_consumer_batch_size_count",
    );
    crate::metrics::totals(&reqwest::Client::new(), &metrics_urls(stack), &[sum, count])
        .await
        .mean(sum, count)
}
