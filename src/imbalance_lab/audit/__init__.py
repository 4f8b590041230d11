"""The equivalence audit: which classifiers honour "k copies = weight k", and why.

* :mod:`~imbalance_lab.audit.equivalence` -- enumerate the classifiers, fit
  copies against weights, class weights and copies x weight, measure verdicts;
* :mod:`~imbalance_lab.audit.mechanisms` -- the documented table of why an
  estimator is not equivalent, checked against the measurements;
* :mod:`~imbalance_lab.audit.scale` -- 'balanced' weights vs oversampling
  under regularisation (the C rescaling);
* :mod:`~imbalance_lab.audit.claims` -- the seed answer's worked claims;
* :mod:`~imbalance_lab.audit.cost` -- fit time and peak memory, copies vs weight;
* :mod:`~imbalance_lab.audit.figures` -- the audit's figures.

Run it all with ``imbalance-lab audit`` (``notebooks/equivalence.ipynb``).
"""

from imbalance_lab.audit.equivalence import (
    COLUMNS,
    VARIANTS,
    VERDICTS,
    AuditData,
    AuditSettings,
    Candidate,
    audit_candidate,
    audit_candidates,
    enumerate_classifiers,
    make_audit_data,
    permutation_test,
    run_audit,
    summary,
)

__all__ = [
    "COLUMNS",
    "VARIANTS",
    "VERDICTS",
    "AuditData",
    "AuditSettings",
    "Candidate",
    "audit_candidate",
    "audit_candidates",
    "enumerate_classifiers",
    "make_audit_data",
    "permutation_test",
    "run_audit",
    "summary",
]
