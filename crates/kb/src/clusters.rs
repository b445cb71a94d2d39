//! Derived aggregates cached by store generation: the cross-domain clusters and the domain ×
//! cause matrix. The clusters are computed from the store on demand, cached
//! with the store generation they reflect, and recomputed when cases change. Readers always get
//! the last finished result, never a half-computed one.
//!
//! Clustering holds every case it clusters in memory, so it is bounded: past
//! [`CLUSTER_MAX_CASES`] (settable), it clusters contributed cases first, then curated ones,
//! then the rest, each class in the order of a stable hash of the id, up to the limit. Cases
//! left out have no cluster; their pages still show similar cases from the search index.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use notbetter_cluster::Clustering;
use notbetter_taxonomy::Case;

use crate::{KnowledgeBase, Result};

/// The most cases clustered at once, by default. Clustering holds its cases in memory: 1M cases
/// took 16 GB, 50,000 about 900 MB at its peak, which left a 100k-case server under load above
/// 1 GB while it ran. 20,000 covers every curated and contributed case a knowledge base like this
/// one is likely to hold, and imports of the size of AVID or the AI Incident Database.
pub const CLUSTER_MAX_CASES: usize = 20_000;

/// The last clustering and the store generation it was computed at.
pub(crate) struct ClusterCache {
    /// The most cases one clustering takes in.
    limit: AtomicUsize,
    current: RwLock<Option<(u64, Arc<Clustering>)>>,
    /// Held while computing, so concurrent refreshes do the work once.
    computing: Mutex<()>,
    /// The domain × cause matrix, by the generation it was computed at.
    matrix: RwLock<Option<(u64, Arc<Matrix>)>>,
}

impl Default for ClusterCache {
    fn default() -> Self {
        ClusterCache {
            limit: AtomicUsize::new(CLUSTER_MAX_CASES),
            current: RwLock::default(),
            computing: Mutex::default(),
            matrix: RwLock::default(),
        }
    }
}

/// Top-level domain → cause → number of cases.
pub type Matrix = std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>;

impl KnowledgeBase {
    /// Sets the most cases one clustering takes in (see the module docs). Takes effect at the
    /// next recomputation.
    pub fn set_cluster_limit(&self, cases: usize) {
        self.clusters.limit.store(cases.max(1), Ordering::Relaxed);
    }

    /// Runs a long read on the second connection (see `aggregates`), opening it first if
    /// needed.
    pub(crate) fn with_aggregates<T>(
        &self,
        f: impl FnOnce(&notbetter_store::Store) -> Result<T>,
    ) -> Result<T> {
        let mut guard = self.aggregates.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let (database, path) = &self.store_at;
            *guard = Some(notbetter_store::Store::open_any(database.as_deref(), path)?);
        }
        f(guard.as_ref().expect("opened above"))
    }

    /// The cases to cluster: all of them up to the limit, else the limit's worth, contributed
    /// first, then curated, then the rest, by a stable hash of the id; in id order. Read on the
    /// second connection, so pages that read the store are not held up while a large
    /// clustering loads.
    fn cluster_input(&self) -> Result<Vec<Case>> {
        let limit = self.clusters.limit.load(Ordering::Relaxed);
        self.with_aggregates(|store| {
            let mut ids = store.ids_and_sources()?;
            if ids.len() > limit {
                let rank = |source: &str| match source {
                    "contributed" => 0,
                    "curated" => 1,
                    _ => 2,
                };
                ids.sort_by_cached_key(|(id, source)| {
                    (rank(source), notbetter_cluster::stable_key(id))
                });
                ids.truncate(limit);
                ids.sort_unstable();
            }
            let mut cases = Vec::with_capacity(ids.len());
            for (id, _) in &ids {
                if let Some(stored) = store.get(id)? {
                    cases.push(stored.case);
                }
            }
            Ok(cases)
        })
    }

    /// The last computed clusters, if any have been computed yet. They may lag the store by one
    /// recomputation; call [`KnowledgeBase::refresh_clusters`] to catch up.
    pub fn clusters(&self) -> Option<Arc<Clustering>> {
        let guard = self
            .clusters
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|(_, c)| c.clone())
    }

    /// The last computed domain × cause matrix, and whether it reflects the store's current
    /// generation; computed now if there is none. For pages: a stale matrix is shown while the
    /// background refresh that follows each change ([`Self::refresh_clusters`]) recomputes it,
    /// so no page waits for the computation (half a second at 100k cases).
    pub fn recent_matrix(&self) -> Result<(Arc<Matrix>, bool)> {
        let cached = self
            .clusters
            .matrix
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match cached {
            Some((g, m)) => Ok((m, g == self.store().generation()?)),
            None => Ok((self.matrix()?, true)),
        }
    }

    /// The domain × cause matrix of the current store, recomputed only when cases changed (on
    /// the second connection, so other readers of the store do not wait for it).
    pub fn matrix(&self) -> Result<Arc<Matrix>> {
        self.with_aggregates(|store| self.matrix_on(store))
    }

    fn matrix_on(&self, store: &notbetter_store::Store) -> Result<Arc<Matrix>> {
        let generation = store.generation()?;
        if let Some((g, m)) = self
            .clusters
            .matrix
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if *g == generation {
                return Ok(m.clone());
            }
        }
        let m = Arc::new(store.domain_cause_matrix()?);
        *self
            .clusters
            .matrix
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some((generation, m.clone()));
        Ok(m)
    }

    /// Whether the cached clusters reflect the store's current generation.
    pub fn clusters_current(&self) -> Result<bool> {
        let generation = self.store().generation()?;
        let guard = self
            .clusters
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner());
        Ok(guard.as_ref().is_some_and(|(g, _)| *g == generation))
    }

    /// Assigns the cases to the curated mechanisms and gives the search index what it needs to
    /// read questions as mechanisms, without computing the clusters (the CLI's search calls
    /// this; the server gets the same from [`KnowledgeBase::refresh_clusters`]). Blocking: it
    /// reads up to the cluster limit's worth of cases.
    pub fn load_mechanisms(&self) -> Result<()> {
        self.assign_mechanisms(&self.cluster_input()?)?;
        Ok(())
    }

    /// Assigns `cases` to the curated mechanisms and hands the search index the result.
    fn assign_mechanisms(
        &self,
        cases: &[Case],
    ) -> Result<notbetter_cluster::mechanism::Mechanisms> {
        let catalogue = self.mechanism_catalogue()?;
        let mechanisms = notbetter_cluster::mechanism::assign(
            cases,
            catalogue,
            &notbetter_cluster::mechanism::MechanismParams::default(),
        );
        self.index
            .set_mechanisms(&mechanism_docs(cases, catalogue, &mechanisms));
        Ok(mechanisms)
    }

    /// Recomputes the clusters if the store changed since they were computed, and returns the
    /// current ones. Blocking: run it off the request path (the server runs it in the
    /// background after each approval and at start).
    pub fn refresh_clusters(&self) -> Result<Arc<Clustering>> {
        let _computing = self
            .clusters
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let generation = self.store().generation()?;
        if let Some((g, c)) = self
            .clusters
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if *g == generation {
                return Ok(c.clone());
            }
        }
        // The matrix first: pages show the last one until this replaces it.
        self.matrix()?;
        let cases = self.cluster_input()?;
        let started = std::time::Instant::now();
        let mut clustering = notbetter_cluster::cluster(&cases, &self.taxonomy);
        let mechanisms = self.assign_mechanisms(&cases)?;
        clustering.add_mechanisms(mechanisms, &self.taxonomy);
        let clustering = Arc::new(clustering);
        tracing::info!(
            cases = cases.len(),
            clusters = clustering.clusters.len(),
            ms = started.elapsed().as_millis() as u64,
            "computed clusters"
        );
        *self
            .clusters
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some((generation, clustering.clone()));
        Ok(clustering)
    }
}

/// What search needs to read a question as a mechanism: each mechanism's own words and the
/// text of its members (title, tags, why it failed).
fn mechanism_docs(
    cases: &[Case],
    catalogue: &notbetter_cluster::mechanism::Catalogue,
    assigned: &notbetter_cluster::mechanism::Mechanisms,
) -> Vec<notbetter_search::MechanismDoc> {
    let by_id: std::collections::HashMap<&str, &Case> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    assigned
        .clusters
        .iter()
        .map(|m| {
            let own = catalogue.get(&m.id);
            // Search reads questions against the mechanism's own words, symptoms included;
            // the embedding model against its name and summary only (measured: adding the
            // symptoms there lowered recall on the tuning half).
            let text = match own {
                Some(own) => format!(
                    "{}. {}. {}. {}",
                    own.name,
                    own.summary,
                    own.phrases.join(". "),
                    own.symptoms.join(". ")
                ),
                None => format!("{}. {}", m.name, m.summary),
            };
            let description = match own {
                Some(own) => format!("{}. {}", own.name, own.summary),
                None => format!("{}. {}", m.name, m.summary),
            };
            let members = m
                .members
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
                .map(|c| {
                    (
                        c.id.clone(),
                        format!("{}. {}. {}", c.title, c.tags.join(", "), c.investigation),
                    )
                })
                .collect();
            let mut causes = vec![m.cause.clone()];
            causes.extend(own.map(|o| o.also.clone()).unwrap_or_default());
            notbetter_search::MechanismDoc {
                id: m.id.clone(),
                name: m.name.clone(),
                causes,
                text,
                description,
                members,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::KnowledgeBase;

    #[test]
    fn clusters_are_cached_by_generation_and_recomputed_after_writes() {
        let dir = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
        assert!(kb.clusters().is_none());
        let first = kb.refresh_clusters().unwrap();
        assert!(kb.clusters_current().unwrap());
        let again = kb.refresh_clusters().unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&first, &again),
            "unchanged store: no recomputation"
        );
        let files = vec![("x.md".to_string(), crate::tests::CASE.to_string())];
        kb.seed(&files).unwrap();
        assert!(!kb.clusters_current().unwrap());
        let after = kb.refresh_clusters().unwrap();
        assert!(!std::sync::Arc::ptr_eq(&first, &after));
        assert!(after.cluster_of("kb-case").is_some());
    }

    /// The matrix and the clustering input are read on the second connection: they finish
    /// while another thread holds the main connection's lock (as a page reading a case would).
    /// Pages get the last matrix while it is stale, and the refresh brings it up to date.
    #[test]
    fn long_aggregates_do_not_wait_for_the_store_lock_and_pages_get_the_last_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
        kb.write(&[(crate::tests::case("a"), "test".to_string())])
            .unwrap();
        let (first, current) = kb.recent_matrix().unwrap();
        assert!(current);
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let held = kb.store();
            s.spawn(|| {
                let m = kb.matrix().map(|m| m.len());
                let input = kb.cluster_input().map(|c| c.len());
                done.send((m, input)).unwrap();
            });
            let (m, input) = wait
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("the aggregates waited for the main connection's lock");
            assert!(m.unwrap() > 0);
            assert_eq!(input.unwrap(), 1);
            drop(held);
        });
        let mut other = crate::tests::case("b");
        other.domains = vec![notbetter_taxonomy::Label::confirmed("physics")];
        kb.write(&[(other, "test".to_string())]).unwrap();
        let (stale, current) = kb.recent_matrix().unwrap();
        assert!(!current);
        assert_eq!(
            stale, first,
            "the last matrix, while the new one is computed"
        );
        kb.refresh_clusters().unwrap();
        let (fresh, current) = kb.recent_matrix().unwrap();
        assert!(current);
        assert!(fresh.contains_key("physics"), "{fresh:?}");
    }

    #[test]
    fn clustering_takes_at_most_the_limit_preferring_contributed_then_curated() {
        let dir = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
        let case = |id: &str, source: notbetter_taxonomy::Source| {
            let mut c = crate::tests::case(id);
            c.source = source;
            (c, "test".to_string())
        };
        use notbetter_taxonomy::Source;
        kb.write(&[
            case("imported-a", Source::Imported("avid".into())),
            case("imported-b", Source::Imported("avid".into())),
            case("curated-a", Source::Curated),
            case("curated-b", Source::Curated),
            case("contributed-a", Source::Contributed),
        ])
        .unwrap();
        kb.set_cluster_limit(3);
        let input: Vec<String> = kb
            .cluster_input()
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(input.len(), 3);
        assert!(input.contains(&"contributed-a".to_string()));
        assert!(
            input.contains(&"curated-a".to_string()) && input.contains(&"curated-b".to_string())
        );
        kb.set_cluster_limit(10);
        assert_eq!(kb.cluster_input().unwrap().len(), 5);
        let clustering = kb.refresh_clusters().unwrap();
        let seen = clustering.unclustered.len()
            + clustering
                .clusters
                .iter()
                .map(|c| c.members.len())
                .sum::<usize>();
        assert_eq!(seen, 5);
    }
}
