//! The redb tables of the read models, apart from the code that reads and writes them
//! (`read_models.rs`), so that account deletion (`accounts.rs`) can empty them without the two
//! importing each other.

use redb::TableDefinition;
use service::StoreError;

use super::handle::store_err;

/// User id → `read_models::Control` as JSON.
pub(crate) const READ_MODELS: TableDefinition<&str, &[u8]> = TableDefinition::new("read_models");
/// User id → the model's plan as JSON.
pub(crate) const PLANS: TableDefinition<&str, &[u8]> = TableDefinition::new("read_model_plans");
/// User id → the model's Progress facts as JSON.
pub(crate) const PROGRESS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("read_model_progress");
/// The users whose record is stale (its generation is past the one its model was built at).
pub(crate) const STALE: TableDefinition<&str, ()> = TableDefinition::new("read_models_stale");

/// Removes `user`'s record inside `txn`.
pub(crate) fn forget_model_in(txn: &redb::WriteTransaction, user: &str) -> Result<(), StoreError> {
    txn.open_table(READ_MODELS)
        .map_err(store_err)?
        .remove(user)
        .map_err(store_err)?;
    txn.open_table(PLANS)
        .map_err(store_err)?
        .remove(user)
        .map_err(store_err)?;
    txn.open_table(PROGRESS)
        .map_err(store_err)?
        .remove(user)
        .map_err(store_err)?;
    txn.open_table(STALE)
        .map_err(store_err)?
        .remove(user)
        .map_err(store_err)?;
    Ok(())
}
