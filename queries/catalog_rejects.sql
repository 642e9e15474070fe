-- catalog_rejects: the rows imports rejected, with the column, the value and the reason.
-- Grain: one row per rejected value, newest file first, then by row (at most 5,000).
-- Columns: file_id, file, row, column_name, value, reason.
-- Parameters: none.
-- Inputs: rejects.

with final as (
    select
        file_id,
        file,
        row,
        column_name,
        value,
        reason
    from rejects
)

select * from final
order by file_id desc, row asc
limit 5000
