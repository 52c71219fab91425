# metafor's answers for every data set in a CSV the differential test writes
# (tests/test_metafor_oracle.py): Rscript metafor_oracle.R sets.csv answers.csv
# One row per data set and study; columns id, kind (prop, RR, OR, MD), a..f the study's data
# (prop: xi, ni; RR/OR: ai, n1i, ci, n2i; MD: m1i, sd1i, n1i, m2i, sd2i, n2i) and x, a covariate.
# Output: id, key, value. REML to the maximum (threshold 1e-10) and tight root-finding
# (tol 1e-12; the Q-profile search up to tau² = 1e7, not 100), so that the comparison is of the
# methods, not of metafor's stopping rules.
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
ctl <- list(threshold = 1e-10, maxiter = 10000, tol = 1e-12)
rows <- list()
emit <- function(id, key, value) rows[[length(rows) + 1]] <<- data.frame(id = id, key = key, value = as.numeric(value))
tpi <- function(est, se, tau2, k) if (k >= 3) as.numeric(est) + c(-1, 1) * qt(0.975, k - 2) * sqrt(se^2 + tau2) else c(NA, NA)

for (id in unique(d$id)) {
  s <- d[d$id == id, ]
  kind <- s$kind[1]
  es <- switch(kind,
    prop = escalc("PLO", xi = s$a, ni = s$b),
    RR = escalc("RR", ai = s$a, n1i = s$b, ci = s$c, n2i = s$d),
    OR = escalc("OR", ai = s$a, n1i = s$b, ci = s$c, n2i = s$d),
    MD = escalc("MD", m1i = s$a, sd1i = s$b, n1i = s$c, m2i = s$d, sd2i = s$e, n2i = s$f)
  )
  k <- nrow(es)
  for (m in c("REML", "DL", "PM")) {
    z <- try(rma(yi, vi, data = es, method = m, control = ctl), silent = TRUE)
    if (inherits(z, "try-error")) next
    h <- rma(yi, vi, data = es, method = m, test = "knha", control = ctl)
    p <- paste0(m, ".")
    emit(id, paste0(p, "estimate"), z$b)
    emit(id, paste0(p, "tau2"), z$tau2)
    emit(id, paste0(p, "i2"), z$I2)
    emit(id, paste0(p, "q"), z$QE)
    emit(id, paste0(p, "wald_low"), z$ci.lb)
    emit(id, paste0(p, "wald_high"), z$ci.ub)
    emit(id, paste0(p, "ci_low"), h$ci.lb)
    emit(id, paste0(p, "ci_high"), h$ci.ub)
    pi <- tpi(z$b, z$se, z$tau2, k)
    emit(id, paste0(p, "pi_low"), pi[1])
    emit(id, paste0(p, "pi_high"), pi[2])
    zp <- predict(z)
    emit(id, paste0(p, "zpi_low"), zp$pi.lb)
    emit(id, paste0(p, "zpi_high"), zp$pi.ub)
    qp <- try(confint(z, control = list(tol = 1e-12, tau2.max = 1e7))$random[1, ], silent = TRUE)
    if (!inherits(qp, "try-error")) {
      emit(id, paste0(p, "tau2_ci_low"), qp[2])
      emit(id, paste0(p, "tau2_ci_high"), qp[3])
    }
  }
  if (k >= 3) { # leave-one-out of the HKSJ REML model
    l <- leave1out(rma(yi, vi, data = es, test = "knha", control = ctl))
    for (i in seq_len(k)) {
      emit(id, paste0("loo", i - 1, ".estimate"), l$estimate[i])
      emit(id, paste0("loo", i - 1, ".ci_low"), l$ci.lb[i])
      emit(id, paste0("loo", i - 1, ".ci_high"), l$ci.ub[i])
      emit(id, paste0("loo", i - 1, ".tau2"), l$tau2[i])
    }
  }
  if (k >= 4 && var(s$x) > 0) { # meta-regression on x, HKSJ (t and F tests)
    r <- try(rma(yi, vi, mods = ~ s$x, data = es, test = "knha", control = ctl), silent = TRUE)
    if (!inherits(r, "try-error")) {
      emit(id, "reg.slope", r$b[2])
      emit(id, "reg.slope_low", r$ci.lb[2])
      emit(id, "reg.slope_high", r$ci.ub[2])
      emit(id, "reg.tau2", r$tau2)
      emit(id, "reg.qm", r$QM)
      emit(id, "reg.qm_p", r$QMp)
    }
  }
  if (kind == "prop") { # the binomial-normal GLMM, t quantile on k - 1 df
    g <- try(suppressWarnings(rma.glmm(measure = "PLO", xi = s$a, ni = s$b, test = "t")), silent = TRUE)
    if (!inherits(g, "try-error")) {
      emit(id, "GLMM.estimate", g$b)
      emit(id, "GLMM.tau2", g$tau2)
      emit(id, "GLMM.ci_low", g$ci.lb)
      emit(id, "GLMM.ci_high", g$ci.ub)
      pi <- tpi(g$b, g$se, g$tau2, k)
      emit(id, "GLMM.pi_low", pi[1])
      emit(id, "GLMM.pi_high", pi[2])
    }
  }
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE)
