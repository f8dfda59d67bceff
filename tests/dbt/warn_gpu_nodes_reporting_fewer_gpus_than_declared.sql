{{ config(severity='warn') }}
-- Warns when DCGM reports a node with another number of GPUs than seeds/gpu_nodes.csv declares: the node's cost is
-- split over the GPUs DCGM reports (so no dollar is lost), which makes each look dearer when one is missing (a GPU
-- fallen off the bus, an exporter that skips one) — check the node.
select hostname, instance_type, gpu_count as dcgm_gpu_count, declared_gpu_count
from {{ ref('int_gpu_nodes') }}
where declared_gpu_count is not null and gpu_count <> declared_gpu_count
