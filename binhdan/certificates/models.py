"""(models of certificates)"""
