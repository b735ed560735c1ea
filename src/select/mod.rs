//! Client-certificate selection: which key entries fit a server's CertificateRequest
//! (acceptable CA names, signature schemes), ranked, each with its reasons. Pure: no I/O,
//! no prompting (the CLI implements the choosing).

pub mod ca_names;
pub mod rank;
pub mod schemes;

use rank::Evaluation;

use crate::store::alias::AliasKey;

/// How the user asked the choice to be made.
pub struct Policy<'a> {
    /// `--alias A` (optionally `STORE_INDEX` when several stores share the alias).
    pub alias: Option<&'a str>,
    /// `--first`: take the best-ranked candidate.
    pub first: bool,
    /// A remembered choice: (store index, alias).
    pub remembered: Option<(usize, &'a str)>,
}

/// What [`decide`] concluded; indices point into the ranked evaluations.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Chosen {
        index: usize,
        why: ChosenBy,
    },
    /// Several candidates and nothing to choose by: ask the user (or fail without a terminal).
    Ask(Vec<usize>),
    NoCandidate,
    /// `--alias` named an entry that is not a candidate (index of its evaluation, if any).
    AliasNotCandidate {
        alias: String,
        index: Option<usize>,
    },
    /// A remembered choice no longer matches; decided again without it.
    RememberedIgnored(Box<Decision>),
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum ChosenBy {
    OnlyCandidate,
    Alias,
    First,
    Remembered,
}

/// Decides which ranked entry to use (candidates come first in `ranked`).
pub fn decide(ranked: &[Evaluation], policy: &Policy) -> Decision {
    let candidates: Vec<usize> = (0..ranked.len()).filter(|&i| ranked[i].candidate).collect();
    if let Some(alias) = policy.alias {
        let found = ranked
            .iter()
            .position(|e| AliasKey::folded(&e.alias) == AliasKey::folded(alias));
        return match found {
            Some(i) if ranked[i].candidate => Decision::Chosen {
                index: i,
                why: ChosenBy::Alias,
            },
            other => Decision::AliasNotCandidate {
                alias: alias.to_string(),
                index: other,
            },
        };
    }
    if let Some((store, alias)) = policy.remembered {
        let hit = candidates
            .iter()
            .copied()
            .find(|&i| ranked[i].store == store && ranked[i].alias == alias);
        return match hit {
            Some(index) => Decision::Chosen {
                index,
                why: ChosenBy::Remembered,
            },
            None => Decision::RememberedIgnored(Box::new(decide(
                ranked,
                &Policy {
                    remembered: None,
                    ..*policy
                },
            ))),
        };
    }
    match candidates.as_slice() {
        [] => Decision::NoCandidate,
        [one] => Decision::Chosen {
            index: *one,
            why: ChosenBy::OnlyCandidate,
        },
        [best, ..] if policy.first => Decision::Chosen {
            index: *best,
            why: ChosenBy::First,
        },
        many => Decision::Ask(many.to_vec()),
    }
}
