"""kqlrules.sample"""
