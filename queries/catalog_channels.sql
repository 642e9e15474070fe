-- catalog_channels: the channels the channel filter can choose from.
-- Grain: one row per channel in the order lines, sorted; no null.
-- Columns: channel.
-- Parameters: none.
-- Inputs: order_lines (channel).

with final as (
    select distinct channel
    from order_lines
    where channel is not null
)

select * from final
order by channel
