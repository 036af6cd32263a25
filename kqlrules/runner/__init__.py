"""kqlrules.runner"""
