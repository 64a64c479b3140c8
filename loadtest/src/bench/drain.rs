//! The consumer: how fast a backlog of logged workouts reaches the database, beside a bare
//! bulk insert of the same documents into the same database.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use consumer::store::mongo::{to_document, MongoStore};
use futures::StreamExt;
use mongodb::bson::doc;
use mongodb::options::{Acknowledgment, WriteConcern};
use testkit::Stack;

use super::amqp::BarePublisher;
use super::{events, ratio, BenchConfig, Figure};

pub async fn run(stack: &mut Stack, config: &BenchConfig) -> Result<Vec<Figure>> {
    let n = config.backlog;
    eprintln!("bench: consumer: stopping it and pre-filling the queue with {n} events…");
    stack.consumers[0].proc.terminate(Duration::from_secs(10));
    let events: Vec<_> = (0..n)
        .map(|i| events::event("bench-backlog", (i % 1800) as i64))
        .collect::<Result<_>>()?;
    let url = stack.broker.url();
    let bare = BarePublisher::connect(&url).await?;
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
    let started = Instant::now();
    stack.consumers[0].start_again()?;
    loop {
        if bare.ready().await? == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            bail!("the consumer did not drain the queue in 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The last batch is in flight once the queue reads empty: wait for its documents.
    let store = MongoStore::connect(&stack.uri).await?;
    let db = store.client().database("ironlog");
    let workouts = db.collection::<mongodb::bson::Document>("workouts");
    while workouts
        .count_documents(doc! {"user_id": "bench-backlog"})
        .await
        .context("counting")?
        < n as u64
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let consumer_rate = n as f64 / started.elapsed().as_secs_f64();

    eprintln!("bench: consumer baseline: bulk insert of the same {n} documents…");
    let docs: Vec<_> = events
        .iter()
        .map(to_document)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let majority = WriteConcern::builder()
        .w(Acknowledgment::Majority)
        .journal(true)
        .build();
    let baseline = db.collection_with_options::<mongodb::bson::Document>(
        "bench_baseline",
        mongodb::options::CollectionOptions::builder()
            .write_concern(majority)
            .build(),
    );
    let _ = baseline.drop().await;
    let started = Instant::now();
    for chunk in docs.chunks(256) {
        baseline
            .insert_many(chunk)
            .ordered(false)
            .await
            .context("bulk insert")?;
    }
    let baseline_rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = baseline.drop().await;

    Ok(vec![Figure::new(
        &format!("consumer: {n} queued events persisted"),
        format!("{consumer_rate:.0} events/s"),
        format!("{baseline_rate:.0} docs/s (insert_many, 256 per call)"),
        ratio(consumer_rate, baseline_rate),
        "ratio ≥ 0.8",
    )])
}
