"""kqlrules.rules"""
