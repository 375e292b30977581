package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// outcomeSQL holds the UPDATE statement that sets one outcome on
// insertSizes[i] messages of an account.
var outcomeSQL = func() (qs [len(insertSizes)]string) {
	for i, n := range insertSizes {
		qs[i] = `UPDATE message SET outcome = ? WHERE account = ? AND msgid IN (?` + strings.Repeat(", ?", n-1) + `)`
	}
	return qs
}()

// setOutcomes applies outs in order. Each run of outcomes that set the same
// outcome on messages of the same account is one statement per chunk
// (insertSizes), from the statement cache as the inserts are: a user's
// bulk of messages gets its outcomes in a few statements rather than one
// each.
func setOutcomes(ctx context.Context, tx *sql.Tx, outs []HistoryOutcome) error {
	args := make([]any, 0, 2+insertSizes[0])
	for len(outs) > 0 {
		run := 1
		for run < len(outs) && outs[run].Account == outs[0].Account && outs[run].Outcome == outs[0].Outcome {
			run++
		}
		k := sizeFor(run)
		chunk := outs[:insertSizes[k]]
		outs = outs[insertSizes[k]:]
		args = append(args[:0], chunk[0].Outcome, chunk[0].Account)
		for _, o := range chunk {
			args = append(args, o.MsgID)
		}
		if _, err := tx.ExecContext(ctx, outcomeSQL[k], args...); err != nil {
			return fmt.Errorf("db: outcomes of %s: %w", chunk[0].Account, err)
		}
	}
	return nil
}
