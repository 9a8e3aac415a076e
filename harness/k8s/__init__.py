"""Kubernetes: the manifests' generation from the topology, a kustomize renderer, offline validation
(schemas, security rules, the reachability the NetworkPolicies imply) and a kind/kubectl driver."""
