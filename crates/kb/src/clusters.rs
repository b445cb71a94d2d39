//! Derived aggregates cached by store generation: the cross-domain clusters and the domain ×
//! cause matrix. The clusters are computed from the store on demand, cached
//! with the store generation they reflect, and recomputed when cases change. Readers always get
//! the last finished result, never a half-computed one.

use std::sync::{Arc, Mutex, RwLock};

use notbetter_cluster::Clustering;

use crate::{KnowledgeBase, Result};

/// The last clustering and the store generation it was computed at.
#[derive(Default)]
pub(crate) struct ClusterCache {
    current: RwLock<Option<(u64, Arc<Clustering>)>>,
    /// Held while computing, so concurrent refreshes do the work once.
    computing: Mutex<()>,
    /// The domain × cause matrix, by the generation it was computed at.
    matrix: RwLock<Option<(u64, Arc<Matrix>)>>,
}

/// Top-level domain → cause → number of cases.
pub type Matrix = std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>;

impl KnowledgeBase {
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

    /// The domain × cause matrix of the current store, recomputed only when cases changed.
    pub fn matrix(&self) -> Result<Arc<Matrix>> {
        let store = self.store();
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
        let mut cases = Vec::new();
        self.store().for_each(|c| cases.push(c))?;
        let started = std::time::Instant::now();
        let clustering = Arc::new(notbetter_cluster::cluster(&cases, &self.taxonomy));
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
}
