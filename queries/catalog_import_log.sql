-- catalog_import_log: the import log, one row per imported file, newest first (at most 200).
-- Grain: one row per import_files row.
-- Columns: file_id, finished_at (of its import), file, table_name, source_kind, status,
--   rows_read, rows_loaded, rows_rejected, rows_blank, rows_inserted, rows_replaced,
--   reconciles (rows_read = rows_loaded + rows_rejected + rows_blank), message, notes ('; ').
-- Parameters: none.
-- Inputs: import_files, imports.

with final as (
    select
        import_files.file_id,
        imports.finished_at,
        import_files.file,
        import_files.table_name,
        import_files.source_kind,
        import_files.status,
        import_files.rows_read,
        import_files.rows_loaded,
        import_files.rows_rejected,
        import_files.rows_blank,
        import_files.rows_inserted,
        import_files.rows_replaced,
        import_files.rows_read
        = import_files.rows_loaded
        + import_files.rows_rejected
        + coalesce(import_files.rows_blank, 0) as reconciles,
        import_files.message,
        array_to_string(import_files.notes, '; ') as notes
    from import_files
    left join imports on import_files.import_id = imports.import_id
)

select * from final
order by file_id desc
limit 200
