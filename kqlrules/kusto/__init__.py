"""kqlrules.kusto"""
