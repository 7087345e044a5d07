//! Placeholder until the demo seed lands.
#[derive(Debug)]
pub struct DemoInfo;

pub async fn seed_demo(_db: &embarq_store::Db) -> anyhow::Result<DemoInfo> {
    anyhow::bail!("demo data not available yet")
}
