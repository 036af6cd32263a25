"""kqlrules.workflow"""
