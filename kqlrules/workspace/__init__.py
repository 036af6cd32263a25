"""kqlrules.workspace"""
