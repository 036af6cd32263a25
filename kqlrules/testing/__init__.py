"""kqlrules.testing"""
