//! The statements every `Store` method is built from: reads, the fenced write of an entry
//! with its audit row and route alarm, the insert of a new entry, the restore guard, and the
//! lease bookkeeping (which rows this store may write).

use super::*;

pub(super) fn body_hash(json: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, json.as_bytes()))
}

pub(super) fn fiscal_json(n: &Entry) -> Result<Option<String>, OutboxError> {
    n.fiscal
        .as_ref()
        .map(|f| {
            serde_json::to_string(f).map_err(|e| OutboxError::Database {
                message: format!("fiscal attributes to JSON: {e}"),
            })
        })
        .transpose()
}

impl PgStore {
    pub(super) async fn q(
        &self,
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, OutboxError> {
        let stmt = c
            .prepare_cached(&self.sql(sql))
            .await
            .map_err(|e| pg_error(&e))?;
        c.query(&stmt, params).await.map_err(|e| pg_error(&e))
    }

    pub(super) async fn exec(
        &self,
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, OutboxError> {
        let stmt = c
            .prepare_cached(&self.sql(sql))
            .await
            .map_err(|e| pg_error(&e))?;
        c.execute(&stmt, params).await.map_err(|e| pg_error(&e))
    }

    /// A read outside a transaction.
    pub(super) async fn read(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, OutboxError> {
        let c = self.client().await?;
        self.q(&c, sql, params).await.map_err(|e| self.note(e))
    }

    pub(super) async fn load(
        &self,
        c: &impl GenericClient,
        key: &str,
        lock: bool,
    ) -> Result<Option<Leased>, OutboxError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {{s}}.entries WHERE key = $1{}",
            if lock { " FOR UPDATE" } else { "" }
        );
        let rows = self.q(c, &sql, &[&key]).await?;
        rows.first().map(leased_of).transpose()
    }

    pub(super) async fn audit_trail(
        &self,
        c: &impl GenericClient,
        key: &str,
    ) -> Result<Vec<AuditRecord>, OutboxError> {
        let rows = self
            .q(
                c,
                &format!("SELECT {AUDIT_COLUMNS} FROM {{s}}.audit WHERE key = $1 ORDER BY seq"),
                &[&key],
            )
            .await?;
        rows.iter().map(audit_of).collect()
    }

    /// Writes `n` over the row read as `cur` (fenced by its version) with the lease given,
    /// and the audit row of `p` (if any) and the route alarm change.
    pub(super) async fn write(
        &self,
        c: &impl GenericClient,
        cur: &Entry,
        n: &Entry,
        lease: Option<(&str, i64)>,
        p: Option<&Plan>,
    ) -> Result<(), OutboxError> {
        let fiscal = fiscal_json(n)?;
        let owner = lease.map(|l| l.0);
        let epoch = lease.map(|l| l.1);
        let changed = self
            .exec(
                c,
                "UPDATE {s}.entries SET state = $1, version = $2, attempt = $3, tries = $4,
                    provider_id = $5, due_at = $6, deadline = $7, fiscal_json = $8,
                    last_code = $9, last_message = $10, state_since = $11, updated_at = $12,
                    provider = $13, lease_owner = $14, lease_epoch = COALESCE($15, lease_epoch)
                 WHERE key = $16 AND version = $17",
                &[
                    &n.state.name(),
                    &to_i64(n.version),
                    &i64::from(n.attempt),
                    &i64::from(n.tries),
                    &n.provider_id,
                    &n.due_at.map(|t| t.0),
                    &n.deadline.map(|t| t.0),
                    &fiscal,
                    &n.last_code,
                    &n.last_message,
                    &n.state_since.0,
                    &n.updated_at.0,
                    &n.provider,
                    &owner,
                    &epoch,
                    &n.key,
                    &to_i64(cur.version),
                ],
            )
            .await?;
        if changed != 1 {
            return Err(OutboxError::Conflict {
                key: cur.key.clone(),
                expected: cur.version,
                found: n.version,
            });
        }
        if let Some(p) = p {
            self.exec(
                c,
                "INSERT INTO {s}.audit (key, at, from_state, to_state, reason, detail, attempt,
                    who, note, lease_owner, lease_epoch)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &n.key,
                    &p.next.updated_at.0,
                    &cur.state.name(),
                    &p.next.state.name(),
                    &p.reason.name(),
                    &p.detail,
                    &i64::from(p.next.attempt),
                    &p.operator.as_ref().map(|o| o.0.as_str()),
                    &p.operator.as_ref().map(|o| o.1.as_str()),
                    &owner,
                    &epoch,
                ],
            )
            .await?;
            self.route_alarm(c, &p.next, p.reason).await?;
        }
        Ok(())
    }

    pub(super) async fn route_alarm(
        &self,
        c: &impl GenericClient,
        n: &Entry,
        reason: EventKind,
    ) -> Result<(), OutboxError> {
        match route_alarm_change(reason) {
            RouteAlarmChange::Raise => {
                self.exec(
                    c,
                    "INSERT INTO {s}.route_alarms (route, since, at, code, message, failures)
                     VALUES ($1, $2, $2, $3, $4, 1)
                     ON CONFLICT (route) DO UPDATE SET at = excluded.at, code = excluded.code,
                        message = excluded.message,
                        failures = {s}.route_alarms.failures + 1",
                    &[
                        &n.provider,
                        &n.updated_at.0,
                        &n.last_code,
                        &n.last_message.clone().unwrap_or_default(),
                    ],
                )
                .await?;
            }
            RouteAlarmChange::Clear => {
                self.exec(
                    c,
                    "DELETE FROM {s}.route_alarms WHERE route = $1",
                    &[&n.provider],
                )
                .await?;
            }
            RouteAlarmChange::Keep => {}
        }
        Ok(())
    }

    pub(super) async fn notify(&self, c: &impl GenericClient) -> Result<(), OutboxError> {
        self.exec(c, "SELECT pg_notify($1, '')", &[&self.channel])
            .await
            .map(|_| ())
    }

    /// Inserts one entry (or finds the identical one) inside the caller's transaction.
    pub(super) async fn insert(
        &self,
        c: &impl GenericClient,
        new: &NewEntry<'_>,
        json: &str,
        now: Timestamp,
    ) -> Result<Enqueued, OutboxError> {
        let hash = body_hash(json);
        let deadline = enqueued_deadline(&self.config, now).map(|t| t.0);
        let rows = self
            .q(
                c,
                &format!(
                    "WITH ins AS (
                        INSERT INTO {{s}}.entries (key, receipt_json, body_hash, provider, state,
                            version, attempt, tries, due_at, deadline, created_at, state_since,
                            updated_at)
                        VALUES ($1, $2, $3, $4, 'queued', 1, 1, 0, $5, $6, $5, $5, $5)
                        ON CONFLICT (key) DO NOTHING
                        RETURNING {COLUMNS}),
                     aud AS (
                        INSERT INTO {{s}}.audit (key, at, from_state, to_state, reason, detail,
                            attempt)
                        SELECT key, $5, NULL, 'queued', 'enqueued', $7, 1 FROM ins)
                     SELECT * FROM ins"
                ),
                &[
                    &new.key,
                    &json,
                    &hash,
                    &new.provider,
                    &now.0,
                    &deadline,
                    &format!("provider {}", new.provider),
                ],
            )
            .await?;
        if let Some(r) = rows.first() {
            return Ok(Enqueued {
                entry: leased_of(r)?.entry,
                created: true,
            });
        }
        let existing = self
            .load(c, new.key, false)
            .await?
            .ok_or_else(|| corrupt(new.key, "key conflict without a row"))?
            .entry;
        if existing.body_hash == hash && existing.receipt_json == json {
            Ok(Enqueued {
                entry: existing,
                created: false,
            })
        } else {
            Err(OutboxError::KeyConflict {
                key: new.key.to_owned(),
            })
        }
    }

    /// The restore guard, checked by every claim inside its transaction: the newest audit row
    /// must not be older than the newest one this store saw before. The audit trail is
    /// append-only (a trigger refuses `UPDATE`, `DELETE`, `TRUNCATE`), so only a journal put
    /// back from a backup (or dropped and re-created) goes back; its entries may show as still
    /// to send receipts that the providers fiscalised after the backup was taken. Such a
    /// journal is [`OutboxError::Corrupt`] for this store: it claims nothing, so it sends
    /// nothing, until an operator has reconciled the journal with the providers and restarted
    /// the workers (docs/outbox.md, "Scaling out": backups).
    pub(super) async fn check_not_rewound(
        &self,
        c: &impl GenericClient,
    ) -> Result<(), OutboxError> {
        let r = self
            .q(c, "SELECT COALESCE(MAX(seq), 0) FROM {s}.audit", &[])
            .await?;
        let newest = r
            .first()
            .map(|r| rows::col::<i64>(r, 0))
            .transpose()?
            .unwrap_or(0);
        let seen = self.seen_seq.fetch_max(newest, Ordering::AcqRel);
        if newest < seen {
            return Err(OutboxError::Corrupt {
                key: String::new(),
                message: format!(
                    "the journal went back: its audit trail ends at row {newest}, but this \
                     worker saw row {seen} (restored from a backup, or re-created, while it \
                     ran?). Claims stop: entries of an old journal may be receipts the \
                     providers already fiscalised. Reconcile it with the providers, then \
                     restart the workers"
                ),
            });
        }
        Ok(())
    }

    /// Whether this store may write the row: no lease on it, its own lease (same epoch), or a
    /// lease that ran out.
    pub(super) fn may_write(&self, row: &Leased, now: Timestamp) -> Result<bool, OutboxError> {
        let Some(owner) = &row.owner else {
            return Ok(true);
        };
        let held = self
            .leases
            .lock()
            .map_err(|_| OutboxError::Poisoned)?
            .get(&row.entry.key)
            .copied();
        if *owner == self.owner && held == Some(row.epoch) {
            return Ok(true);
        }
        Ok(row.entry.due_at.is_none_or(|d| d <= now))
    }

    pub(super) fn hold(&self, key: &str, epoch: Option<i64>) {
        if let Ok(mut l) = self.leases.lock() {
            match epoch {
                Some(e) => {
                    l.insert(key.to_owned(), e);
                }
                None => {
                    l.remove(key);
                }
            }
        }
    }

    pub(super) async fn each_attention(&self, limit: usize) -> Result<Vec<Entry>, OutboxError> {
        let rows = self
            .read(
                &format!(
                    "SELECT {COLUMNS} FROM {{s}}.entries WHERE state = 'done'
                       AND fiscal_json IS NOT NULL
                       AND (fiscal_json LIKE '%\"mark_checks\"%'
                            OR fiscal_json LIKE '%\"warnings\"%'
                            OR fiscal_json LIKE '%\"ofd_delivered\":false%')
                     ORDER BY state_since, id"
                ),
                &[],
            )
            .await?;
        let mut out = Vec::new();
        for e in entries_of(&rows)? {
            if out.len() >= limit {
                break;
            }
            if e.attention().is_some() {
                out.push(e);
            }
        }
        Ok(out)
    }
}
