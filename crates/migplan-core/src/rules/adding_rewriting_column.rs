use super::*;

pub static RULE: Rule = Rule {
    id: "adding-rewriting-column",
    severity: Severity::Careful,
    severity_why: "filling a serial, identity or stored generated column rewrites the table under ACCESS EXCLUSIVE, for a time that grows with the table.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "Adding a serial, identity or stored generated column to an existing table.",
    why: "PostgreSQL fills the new column for every existing row (from a sequence or by computing \
          the expression), rewriting the table and its indexes under an ACCESS EXCLUSIVE lock.",
    example: "ALTER TABLE orders ADD COLUMN seq bigserial;",
    instead: "Add a plain nullable column, attach the sequence or expression for new rows, and \
              backfill existing rows in batches (a trigger can keep it in step meanwhile).",
    instead_example: "ALTER TABLE orders ADD COLUMN seq bigint;",
    rollback: "ALTER TABLE orders DROP COLUMN seq;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, column_def) in cx.added_columns() {
        let ty = names::data_type(&column_def.data_type, cx.dialect);
        // Defaults have their own rules.
        let no_default: Vec<_> = column_def
            .options
            .iter()
            .filter(|o| !matches!(o.option, sqlparser::ast::ColumnOption::Default(_)))
            .cloned()
            .collect();
        if let Some(why) = crate::locks::add_column_rewrite(&no_default, &ty, 18) {
            out.push(
                Hit::new(format!(
                    "adding {table}.{} rewrites the table: {why}",
                    cx.ident(&column_def.name)
                ))
                .effect(crate::locks::Effect::Rewrite),
            );
        }
    }
}
