"""The translator's pipeline, one stage per module: literals (`literal_nodes`), names, `let` and user
functions (`scopes`), scalar expressions (`expressions`, with the calls that need the query's context in
`special_calls`) and tabular expressions (`tabular`). `kqlrules.engine.translator.Translator` holds the state
they share and the run-time guards (`kqlrules.engine.guards`)."""
