//! Contact tracing inside the transaction that ends a stay (a scan, an auto-close), so an
//! exposure is found whenever an overlap comes into being and is committed with it.
//!
//! A visit is marked `infectious` when its person has an infectious window that may
//! overlap it: at check-in, and by the import of a positive for the stays already there.
//! A stay that ends looks for marked stays at its venue through a partial index (nothing
//! more is read at a venue with none); only when it meets one, or is marked itself, does
//! it read its person's positives and the stays around it, and the core decides
//! (`visit::contacts_of_stay`).

use std::collections::BTreeSet;

use ashyq_core::status::Policy;
use ashyq_core::visit::{self, Cases, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use super::scan_conn::ScanConn;
use super::sql::{Affected, Sql};
use super::types::StoreResult;

pub(super) const STAYS_NEAR: &str = "SELECT person, venue_id, entered_at, exited_at, infectious \
     FROM visits WHERE venue_id = $1 AND entered_at >= $2 AND entered_at < $3";
pub(super) const INFECTIOUS_NEAR: &str =
    "SELECT person, venue_id, entered_at, exited_at, infectious \
     FROM visits WHERE venue_id = $1 AND entered_at >= $2 AND entered_at < $3 AND infectious";
pub(super) const POSITIVES_OF: &str = "SELECT taken_at FROM pcr WHERE iin = $1 AND positive";
pub(super) const POSITIVE_BETWEEN: &str = "SELECT taken_at FROM pcr WHERE iin = $1 AND positive \
     AND taken_at >= $2 AND taken_at < $3 LIMIT 1";
const MARK: &str = "UPDATE visits SET infectious = $1 \
     WHERE person = $2 AND entered_at >= $3 AND entered_at < $4";
/// Contacts written per statement: a case at a busy venue has thousands, and one
/// round trip each is what an import would wait for (well under both databases' limits
/// on bound parameters).
pub(super) const CONTACTS_PER_INSERT: usize = 500;

/// `INSERT … VALUES ($1, $2), ($3, $4), …` for `n` contacts.
pub(super) fn insert_contacts_sql(n: usize) -> String {
    let mut sql = String::from("INSERT INTO contacts (iin, listed_at) VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

/// Lists the contacts that `changed` (a stay just ended or begun, `infectious` its mark)
/// makes with the stays at its venue. Returns how many listings are new.
pub(super) async fn trace_stay<C: ScanConn>(
    conn: &mut C,
    changed: &Stay,
    infectious: bool,
    now: Timestamp,
    policy: &Policy,
) -> StoreResult<u64> {
    if changed.span().is_empty() {
        // A stay that has not lasted yet overlaps nothing.
        return Ok(0);
    }
    let entries = visit::entries_overlapping(&changed.span(), policy);
    // A case's stay meets everyone there; anyone else's only the marked stays.
    let near = conn
        .stays_near(changed.venue_id, entries.from, entries.to, infectious)
        .await?;
    let mut cases_people = BTreeSet::new();
    if infectious {
        cases_people.insert(changed.person.clone());
    }
    let mut stays = Vec::with_capacity(near.len());
    for row in near {
        let stay = Stay {
            person: row.person,
            venue_id: row.venue_id,
            start: row.entered_at,
            end: visit::stay_end(row.entered_at, row.exited_at, now, policy),
        };
        if row.infectious && stay.person != changed.person {
            cases_people.insert(stay.person.clone());
        }
        stays.push(stay);
    }
    if cases_people.is_empty() {
        return Ok(0);
    }
    let mut cases = Cases::default();
    for person in &cases_people {
        for taken_at in conn.positives_of(person).await? {
            cases.add_positive(person, taken_at, policy);
        }
    }
    let contacts: Vec<(String, Timestamp)> = visit::contacts_of_stay(changed, &cases, &stays)
        .into_iter()
        .map(|c| (c.person, c.last_exposure))
        .collect();
    conn.insert_contacts(&contacts).await
}

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    /// Marks the stays of `person` that may overlap the infectious window of a positive
    /// taken at `taken_at`.
    pub(super) async fn mark_infectious(
        conn: &mut DB::Connection,
        person: &str,
        taken_at: Timestamp,
        policy: &Policy,
    ) -> StoreResult<()> {
        let entries =
            visit::entries_overlapping(&visit::infectious_window(taken_at, policy), policy);
        sqlx::query(MARK)
            .bind(true)
            .bind(person)
            .bind(entries.from)
            .bind(entries.to)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Lists contacts (ignoring listings already there). Returns how many are new.
    pub(super) async fn insert_contacts(
        conn: &mut DB::Connection,
        contacts: &[(String, Timestamp)],
    ) -> StoreResult<u64> {
        let mut added = 0;
        for chunk in contacts.chunks(CONTACTS_PER_INSERT) {
            let sql = insert_contacts_sql(chunk.len());
            let mut insert = sqlx::query(&sql);
            for (iin, at) in chunk {
                insert = insert.bind(iin.as_str()).bind(*at);
            }
            added += insert.execute(&mut *conn).await?.rows();
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_inserted_many_per_statement() {
        assert_eq!(
            insert_contacts_sql(2),
            "INSERT INTO contacts (iin, listed_at) VALUES ($1, $2), ($3, $4) \
             ON CONFLICT DO NOTHING"
        );
    }
}
