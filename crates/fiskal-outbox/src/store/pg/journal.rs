//! The statements every `Store` method is built from: reads, the fenced write of an entry
//! with its audit row and route alarm, the insert of a new entry, the restore guard, and the
//! lease bookkeeping (which rows this store may write).

use super::*;

/// New keys per multi-row insert of [`PgStore::insert_many`] (a batch of more takes more
/// statements in the same transaction: the parameters of one stay a few megabytes).
pub(super) const INSERT_CHUNK: usize = 1000;

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

    /// Inserts a batch of new entries (or finds the identical ones) inside the caller's
    /// transaction in a few statements, whatever its size: one multi-row
    /// `INSERT … SELECT FROM UNNEST(…) ON CONFLICT (key) DO NOTHING` (with the audit rows of
    /// the inserted ones in the same statement) per [`INSERT_CHUNK`] new keys, then one read of
    /// the keys that were already there. Answers per entry as [`PgStore::insert`] would,
    /// in order: a key repeated in the batch is inserted by its first occurrence and the later
    /// ones compare with it (same receipt: `created: false`; another: key conflict). `jsons`
    /// are the entries' receipts as stored (canonical JSON), in the batch's order.
    pub(super) async fn insert_many(
        &self,
        c: &impl GenericClient,
        batch: &[NewEntry<'_>],
        jsons: &[String],
        now: Timestamp,
    ) -> Result<Vec<Result<Enqueued, OutboxError>>, OutboxError> {
        let hashes: Vec<String> = jsons.iter().map(|j| body_hash(j)).collect();
        let deadline = enqueued_deadline(&self.config, now).map(|t| t.0);
        let mut out: Vec<Option<Result<Enqueued, OutboxError>>> = Vec::with_capacity(batch.len());
        // The first occurrence of each valid key: the one that may insert it.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(batch.len());
        let mut inserting: Vec<usize> = Vec::with_capacity(batch.len());
        for (i, new) in batch.iter().enumerate() {
            match check_key(new.key) {
                Err(e) => out.push(Some(Err(e))),
                Ok(()) => {
                    out.push(None);
                    if let std::collections::hash_map::Entry::Vacant(v) = first.entry(new.key) {
                        v.insert(i);
                        inserting.push(i);
                    }
                }
            }
        }
        let sql = "WITH new AS (
                SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
                    WITH ORDINALITY AS n (key, receipt_json, body_hash, provider, ord)),
             ins AS (
                INSERT INTO {s}.entries (key, receipt_json, body_hash, provider, state,
                    version, attempt, tries, due_at, deadline, created_at, state_since,
                    updated_at)
                SELECT key, receipt_json, body_hash, provider, 'queued', 1, 1, 0, $5, $6, $5,
                    $5, $5
                FROM new ORDER BY ord
                ON CONFLICT (key) DO NOTHING
                RETURNING key, provider),
             aud AS (
                INSERT INTO {s}.audit (key, at, from_state, to_state, reason, detail,
                    attempt)
                SELECT key, $5, NULL, 'queued', 'enqueued', 'provider ' || provider, 1
                FROM ins)
             SELECT key FROM ins";
        // Every row now in the journal under a key of the batch, by key.
        let mut stored: HashMap<String, (Entry, bool)> = HashMap::with_capacity(first.len());
        for chunk in inserting.chunks(INSERT_CHUNK) {
            let keys: Vec<&str> = chunk.iter().map(|&i| batch[i].key).collect();
            let receipts: Vec<&str> = chunk.iter().map(|&i| jsons[i].as_str()).collect();
            let hs: Vec<&str> = chunk.iter().map(|&i| hashes[i].as_str()).collect();
            let providers: Vec<&str> = chunk.iter().map(|&i| batch[i].provider).collect();
            let rows = self
                .q(
                    c,
                    sql,
                    &[&keys, &receipts, &hs, &providers, &now.0, &deadline],
                )
                .await?;
            // Only the keys come back (not the receipts sent a moment ago): each inserted
            // entry is what the statement wrote.
            for r in &rows {
                let key: String = rows::col(r, 0)?;
                let Some(&i) = first.get(key.as_str()) else {
                    return Err(corrupt(&key, "inserted a key that is not in the batch"));
                };
                let e = Entry {
                    receipt_json: jsons[i].clone(),
                    body_hash: hashes[i].clone(),
                    provider: batch[i].provider.to_owned(),
                    state: State::Queued,
                    version: 1,
                    attempt: 1,
                    tries: 0,
                    provider_id: None,
                    due_at: Some(now),
                    deadline: deadline.map(Timestamp),
                    fiscal: None,
                    last_code: None,
                    last_message: None,
                    created_at: now,
                    state_since: now,
                    updated_at: now,
                    key,
                };
                stored.insert(e.key.clone(), (e, true));
            }
        }
        // The keys that were there before (or repeated): one read.
        let mut missing: Vec<&str> = first
            .keys()
            .copied()
            .filter(|k| !stored.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            let rows = self
                .q(
                    c,
                    &format!("SELECT {COLUMNS} FROM {{s}}.entries WHERE key = ANY($1)"),
                    &[&missing],
                )
                .await?;
            for r in &rows {
                let e = leased_of(r)?.entry;
                stored.insert(e.key.clone(), (e, false));
            }
        }
        let mut answers = Vec::with_capacity(batch.len());
        for (i, (new, slot)) in batch.iter().zip(out).enumerate() {
            if let Some(r) = slot {
                answers.push(r);
                continue;
            }
            let (existing, created) = stored
                .get(new.key)
                .ok_or_else(|| corrupt(new.key, "key conflict without a row"))?;
            let r = if *created && first.get(new.key) == Some(&i) {
                Ok(Enqueued {
                    entry: existing.clone(),
                    created: true,
                })
            } else if existing.body_hash == hashes[i] && existing.receipt_json == jsons[i] {
                Ok(Enqueued {
                    entry: existing.clone(),
                    created: false,
                })
            } else {
                Err(OutboxError::KeyConflict {
                    key: new.key.to_owned(),
                })
            };
            answers.push(r);
        }
        Ok(answers)
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

    /// The epoch of the lease this store holds on `key`, if any.
    pub(super) fn held(&self, key: &str) -> Result<Option<i64>, OutboxError> {
        Ok(self
            .leases
            .lock()
            .map_err(|_| OutboxError::Poisoned)?
            .get(key)
            .copied())
    }

    /// Whether this store may write the row: no lease on it, its own lease (same epoch as
    /// `held`, the epoch it holds), or a lease that ran out.
    pub(super) fn may_write(&self, row: &Leased, now: Timestamp, held: Option<i64>) -> bool {
        let Some(owner) = &row.owner else {
            return true;
        };
        if *owner == self.owner && held == Some(row.epoch) {
            return true;
        }
        row.entry.due_at.is_none_or(|d| d <= now)
    }

    /// One change of the entry read (and locked) in the caller's transaction as `row`: the
    /// fence (version, lease), the history check of an operator's event, the plan and its
    /// write. Answers the entry after and the epoch of the lease the change took (claimed for
    /// sending: a new epoch), if any. `held`: the epoch of this store's lease on the entry
    /// (as [`PgStore::held`], or as an earlier change of the same batch left it). Refusals
    /// (stale version, unknown key, a transition the rules refuse) happen before anything is
    /// written; an error of the server is a storage failure and ends the transaction.
    pub(super) async fn apply_row(
        &self,
        tx: &impl GenericClient,
        row: Option<&Leased>,
        c: &Change<'_>,
        held: Option<i64>,
    ) -> Result<(Entry, Option<i64>), OutboxError> {
        let row = row.ok_or_else(|| OutboxError::NotFound {
            key: c.key.to_owned(),
        })?;
        let cur = &row.entry;
        if cur.version != c.expected_version || !self.may_write(row, c.now, held) {
            // Another worker claimed it (its lease runs), or it moved on.
            return Err(OutboxError::Conflict {
                key: c.key.to_owned(),
                expected: c.expected_version,
                found: cur.version,
            });
        }
        let trail = match EventKind::of(&c.event).filter(|k| k.is_operator()) {
            Some(_) => Some(self.audit_trail(tx, c.key).await?),
            None => None,
        };
        check_operator_history(cur, &c.event, || Ok(trail.unwrap_or_default()))?;
        let mut p = plan(
            &self.config,
            cur,
            &c.event,
            c.now,
            self.config.default_lease,
            c.jitter,
        )?;
        if let Some(lease) = c.hold {
            // The writer keeps an accepted entry until its poll (Change::hold): due a lease
            // later, so no claim takes it meanwhile.
            hold_lease(&mut p.next, lease);
        }
        // Claimed for sending: this store holds the new lease (a new epoch); any other change
        // ends the lease.
        let epoch = (p.next.state == State::Sending).then_some(row.epoch + 1);
        let owner = epoch.map(|e| (self.owner.as_str(), e));
        self.write(tx, cur, &p.next, owner, Some(&p)).await?;
        Ok((p.next, epoch))
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
