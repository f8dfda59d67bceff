{{ config(severity='warn') }}
-- Warns while some GPU-hours DCGM observed have no price: the cloud bill does not charge the node that hour and
-- seeds/gpu_prices.csv has neither its instance type nor its GPU model. Their costs are null, never 0.
select hostname, gpu_model, instance_type, count(*) as rows_unpriced, sum(gpu_hours) as gpu_hours
from {{ ref('fct_gpu_usage_hourly') }}
where price_source = 'unpriced'
group by hostname, gpu_model, instance_type
