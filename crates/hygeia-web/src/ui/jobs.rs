//! Background jobs in the browser (`/settings/jobs`, administrators): how many wait, run, are
//! done or failed across every hub instance, the latest ones with who holds them and their
//! last error, and a failed job queued again.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_store::jobs::{Job, JobCounts};

use super::assessments::see_other;
use super::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, render, tr_of, url_encode,
};
use crate::AppState;

/// How many jobs the page lists.
const SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    shell: Shell,
    counts: JobCounts,
    jobs: Vec<Job>,
}

pub async fn jobs_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::JobManage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let title = tr.t("jobs.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Settings,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.settings"), "/settings"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let page = JobsPage {
        shell,
        counts: state.store.job_counts().await.map_err(fail)?,
        jobs: state.store.list_jobs(None, SHOWN).await.map_err(fail)?,
    };
    render(tr, &page)
}

/// Queues a failed job again.
pub async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::JobManage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    state
        .store
        .retry_job(&auth.actor, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/settings/jobs#job-{}",
        url_encode(&id)
    )))
}
