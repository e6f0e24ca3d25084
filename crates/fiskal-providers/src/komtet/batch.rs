//! The batch call, `POST …/queues/{queue_id}/multi-tasks`: each task answered on its own,
//! with the fallback to one `POST …/task` per task.

use super::*;

/// One task's answer from [`KomtetClient::submit_batch`].
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchAnswer {
    /// The task's position in the batch (`tasks[index]`).
    pub index: usize,
    /// Its `external_id` ([`Submission::document_id`]).
    pub external_id: String,
    /// [`Outcome::Accepted`] (`duplicate: true` for a task KOMTET already holds: `VLD11`, or the
    /// same `external_id` earlier in the batch), [`Outcome::Rejected`] naming `tasks[index]`,
    /// [`Outcome::InDoubt`] / [`Outcome::RetryLater`] as for [`Provider::submit`]; or the
    /// error that kept the receipt off the wire (an unsupported field's path starts with
    /// `tasks[index].`).
    pub outcome: Result<Outcome, ProviderError>,
}

/// Names the task in a refusal's message.
fn name_task(index: usize, external_id: &str, o: Outcome) -> Outcome {
    match o {
        Outcome::Rejected {
            kind,
            code,
            message,
        } => Outcome::Rejected {
            kind,
            code,
            message: format!("tasks[{index}] (external_id {external_id:?}): {message}"),
        },
        other => other,
    }
}

impl KomtetClient {
    /// The full URL of `POST …/multi-tasks` (the signed one).
    pub fn multi_tasks_url(&self) -> String {
        self.url(&format!(
            "queues/{}/multi-tasks",
            http::url_segment(&self.inner.cfg.queue_id)
        ))
    }

    /// Queues several receipts in one request, `POST …/queues/{queue_id}/multi-tasks` (module
    /// docs, *Batch*), and answers each task on its own, in the order given.
    ///
    /// A receipt that cannot be put on the wire is answered with its error and left out of the
    /// request; a repeated `external_id` is sent once and its repeats answered as duplicates of
    /// it. A refusal of the whole request that the public sources do not attribute to a task
    /// (400, 422, …) falls back to one `POST …/task` per task. An empty batch sends nothing.
    pub async fn submit_batch(&self, tasks: &[Submission<'_>]) -> Vec<BatchAnswer> {
        let mut answers: Vec<Option<Result<Outcome, ProviderError>>> =
            (0..tasks.len()).map(|_| None).collect();
        // (index, body) of the tasks sent; repeats: (index, index of the first).
        let mut sent: Vec<(usize, String)> = Vec::new();
        let mut repeats: Vec<(usize, usize)> = Vec::new();
        let mut first_of: std::collections::HashMap<&str, usize> = Default::default();
        for (i, t) in tasks.iter().enumerate() {
            if let Some(&first) = first_of.get(t.document_id) {
                repeats.push((i, first));
                continue;
            }
            match self.task_body(t) {
                Ok(body) => {
                    first_of.insert(t.document_id, i);
                    sent.push((i, body));
                }
                Err(ProviderError::Unsupported {
                    provider,
                    path,
                    message,
                }) => {
                    answers[i] = Some(Err(ProviderError::Unsupported {
                        provider,
                        path: if path.is_empty() {
                            format!("tasks[{i}]")
                        } else {
                            format!("tasks[{i}].{path}")
                        },
                        message,
                    }));
                }
                Err(e) => answers[i] = Some(Err(e)),
            }
        }
        if !sent.is_empty() {
            let mut body = String::from("[");
            for (n, (_, b)) in sent.iter().enumerate() {
                if n > 0 {
                    body.push(',');
                }
                body.push_str(b);
            }
            body.push(']');
            match self.send("POST", self.multi_tasks_url(), Some(body)).await {
                Err(e) => {
                    let o = http::transport_outcome(&e);
                    for (i, _) in &sent {
                        answers[*i] = Some(Ok(o.clone()));
                    }
                }
                Ok(r) => match r.status {
                    200 | 201 => {
                        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                        let objects: Vec<&Value> = match &v {
                            Value::Object(m) => m.values().collect(),
                            Value::Array(a) => a.iter().collect(),
                            _ => Vec::new(),
                        };
                        for (i, _) in &sent {
                            let ext = tasks[*i].document_id;
                            let found = objects
                                .iter()
                                .find(|o| id_text(o.get("external_id")).as_deref() == Some(ext))
                                .and_then(|o| id_text(o.get("id")));
                            answers[*i] = Some(Ok(match found {
                                Some(provider_id) => Outcome::Accepted {
                                    provider_id,
                                    duplicate: false,
                                },
                                None => Outcome::InDoubt {
                                    reason: format!(
                                        "tasks[{i}]: the multi-tasks answer ({}) names no task \
                                         with external_id {ext:?}; resend it under the same \
                                         external_id",
                                        r.status
                                    ),
                                },
                            }));
                        }
                    }
                    401 | 403 | 404 | 429 => {
                        let o = Self::submit_outcome(&r);
                        for (i, _) in &sent {
                            let ext = tasks[*i].document_id;
                            answers[*i] = Some(Ok(name_task(*i, ext, o.clone())));
                        }
                    }
                    400..=499 => {
                        // Not attributable to a task: each one alone, the same bytes.
                        for (i, b) in sent.iter().cloned() {
                            let o = match self.send("POST", self.task_url(), Some(b)).await {
                                Ok(r) => Self::submit_outcome(&r),
                                Err(e) => http::transport_outcome(&e),
                            };
                            answers[i] = Some(Ok(name_task(i, tasks[i].document_id, o)));
                        }
                    }
                    _ => {
                        let o = match Self::submit_outcome(&r) {
                            Outcome::InDoubt { reason } => Outcome::InDoubt {
                                reason: reason.replace("POST task", "POST multi-tasks"),
                            },
                            other => other,
                        };
                        for (i, _) in &sent {
                            answers[*i] = Some(Ok(o.clone()));
                        }
                    }
                },
            }
        }
        for (i, first) in repeats {
            answers[i] = Some(match &answers[first] {
                Some(Ok(Outcome::Accepted { provider_id, .. })) => Ok(Outcome::Accepted {
                    provider_id: provider_id.clone(),
                    duplicate: true,
                }),
                Some(Ok(o)) => Ok(o.clone()),
                _ => Err(ProviderError::Unsupported {
                    provider: request::PROVIDER,
                    path: format!("tasks[{i}].document_id"),
                    message: format!(
                        "repeats the external_id of tasks[{first}], which could not be sent"
                    ),
                }),
            });
        }
        tasks
            .iter()
            .zip(answers)
            .enumerate()
            .map(|(index, (t, outcome))| BatchAnswer {
                index,
                external_id: t.document_id.to_owned(),
                outcome: outcome.unwrap_or_else(|| {
                    Ok(Outcome::InDoubt {
                        reason: format!("tasks[{index}]: no answer"),
                    })
                }),
            })
            .collect()
    }
}
