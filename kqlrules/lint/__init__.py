"""kqlrules.lint"""
